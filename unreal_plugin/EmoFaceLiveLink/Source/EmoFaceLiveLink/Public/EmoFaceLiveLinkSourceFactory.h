// EmoFace Bridge Live Link plugin: the source factory (Live Link window entry, presets, runtime creation).
#pragma once

#include "CoreMinimal.h"
#include "LiveLinkSourceFactory.h"

#include "EmoFaceLiveLinkSourceFactory.generated.h"

class ILiveLinkSource;

/**
 * Creates FEmoFaceLiveLinkSource from a connection string such as
 * `host=127.0.0.1;port=50052;subjects=NPC_A,NPC_B;token=...` (keys missing from the string come from
 * Project Settings > Plugins > EmoFace Live Link). In the Live Link window the "EmoFace Bridge" entry
 * creates a source with the project defaults; the connection string can then be edited in the source's
 * details, and saved presets recreate the source from it.
 */
UCLASS()
class EMOFACELIVELINK_API UEmoFaceLiveLinkSourceFactory : public ULiveLinkSourceFactory
{
	GENERATED_BODY()

public:
	//~ ULiveLinkSourceFactory
	virtual FText GetSourceDisplayName() const override;
	virtual FText GetSourceTooltip() const override;
	virtual EMenuType GetMenuType() const override { return EMenuType::MenuEntry; }
	virtual TSharedPtr<ILiveLinkSource> CreateSource(const FString& ConnectionString) const override;

	/** Check a connection string; on failure `OutError` says what to fix. */
	static bool ValidateConnectionString(const FString& ConnectionString, FString& OutError);
};
