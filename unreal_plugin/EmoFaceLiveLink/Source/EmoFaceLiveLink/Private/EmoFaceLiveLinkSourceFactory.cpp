// EmoFace Bridge Live Link plugin: the source factory.
#include "EmoFaceLiveLinkSourceFactory.h"

#include "EmoFaceConnectionString.h"
#include "EmoFaceLiveLinkModule.h"
#include "EmoFaceLiveLinkSource.h"
#include "EmoFaceStringConv.h"

#define LOCTEXT_NAMESPACE "EmoFaceLiveLinkSourceFactory"

FText UEmoFaceLiveLinkSourceFactory::GetSourceDisplayName() const
{
	return LOCTEXT("DisplayName", "EmoFace Bridge");
}

FText UEmoFaceLiveLinkSourceFactory::GetSourceTooltip() const
{
	return LOCTEXT("Tooltip", "Connects to `emoface serve --livelink-port` (host and port from Project Settings > Plugins > EmoFace Live Link) and drives MetaHuman faces from speech.");
}

bool UEmoFaceLiveLinkSourceFactory::ValidateConnectionString(const FString& ConnectionString, FString& OutError)
{
	const emoface::plugin::ConnectionParseResult Parsed = emoface::plugin::ParseConnectionString(EmoFace::ToStdString(ConnectionString));
	OutError = EmoFace::ToFString(Parsed.error);
	return Parsed.ok;
}

TSharedPtr<ILiveLinkSource> UEmoFaceLiveLinkSourceFactory::CreateSource(const FString& ConnectionString) const
{
	FString Error;
	if (!ValidateConnectionString(ConnectionString, Error))
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("Cannot create an EmoFace source from '%s': %s"), *ConnectionString, *Error);
		return nullptr;
	}
	return MakeShared<FEmoFaceLiveLinkSource>(ConnectionString);
}

#undef LOCTEXT_NAMESPACE
