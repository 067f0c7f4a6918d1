// EmoFace Bridge Live Link plugin: module start-up and the source registry.
#include "EmoFaceLiveLinkModule.h"

#include "EmoFaceLiveLinkSource.h"
#include "EmoFaceRawControls.h"
#include "Modules/ModuleManager.h"

DEFINE_LOG_CATEGORY(LogEmoFaceLiveLink);

FEmoFaceLiveLinkModule& FEmoFaceLiveLinkModule::Get()
{
	return FModuleManager::LoadModuleChecked<FEmoFaceLiveLinkModule>(TEXT("EmoFaceLiveLink"));
}

void FEmoFaceLiveLinkModule::StartupModule()
{
	// Compute the raw curve names once, on the game thread, before any worker thread needs them.
	const int32 NumRawCurves = EmoFace::FRawControls::Get().GetRawNames().Num();
	UE_LOG(LogEmoFaceLiveLink, Log, TEXT("EmoFace Live Link ready: %d raw MetaHuman curves from the GUI-to-raw conversion"), NumRawCurves);
}

void FEmoFaceLiveLinkModule::ShutdownModule()
{
	Sources.Reset();
}

void FEmoFaceLiveLinkModule::RegisterSource(const TSharedRef<FEmoFaceLiveLinkSource>& Source)
{
	check(IsInGameThread());
	Sources.RemoveAll([](const TWeakPtr<FEmoFaceLiveLinkSource>& Weak) { return !Weak.IsValid(); });
	Sources.AddUnique(Source);
}

void FEmoFaceLiveLinkModule::UnregisterSource(const FEmoFaceLiveLinkSource* Source)
{
	check(IsInGameThread());
	Sources.RemoveAll([Source](const TWeakPtr<FEmoFaceLiveLinkSource>& Weak)
	{
		const TSharedPtr<FEmoFaceLiveLinkSource> Pinned = Weak.Pin();
		return !Pinned.IsValid() || Pinned.Get() == Source;
	});
}

TSharedPtr<FEmoFaceLiveLinkSource> FEmoFaceLiveLinkModule::FindSourceForSubject(FName Subject) const
{
	check(IsInGameThread());
	TSharedPtr<FEmoFaceLiveLinkSource> AnyConnected;
	TSharedPtr<FEmoFaceLiveLinkSource> Any;
	for (const TWeakPtr<FEmoFaceLiveLinkSource>& Weak : Sources)
	{
		const TSharedPtr<FEmoFaceLiveLinkSource> Source = Weak.Pin();
		if (!Source.IsValid())
		{
			continue;
		}
		if (Source->IsConnected() && Source->ServesSubject(Subject))
		{
			return Source;
		}
		if (Source->IsConnected() && !AnyConnected.IsValid())
		{
			AnyConnected = Source;
		}
		if (!Any.IsValid())
		{
			Any = Source;
		}
	}
	return AnyConnected.IsValid() ? AnyConnected : Any;
}

int32 FEmoFaceLiveLinkModule::NumSources() const
{
	int32 Count = 0;
	for (const TWeakPtr<FEmoFaceLiveLinkSource>& Weak : Sources)
	{
		Count += Weak.IsValid() ? 1 : 0;
	}
	return Count;
}

TArray<TSharedPtr<FEmoFaceLiveLinkSource>> FEmoFaceLiveLinkModule::GetSources() const
{
	TArray<TSharedPtr<FEmoFaceLiveLinkSource>> Live;
	for (const TWeakPtr<FEmoFaceLiveLinkSource>& Weak : Sources)
	{
		if (TSharedPtr<FEmoFaceLiveLinkSource> Source = Weak.Pin())
		{
			Live.Add(MoveTemp(Source));
		}
	}
	return Live;
}

IMPLEMENT_MODULE(FEmoFaceLiveLinkModule, EmoFaceLiveLink)
