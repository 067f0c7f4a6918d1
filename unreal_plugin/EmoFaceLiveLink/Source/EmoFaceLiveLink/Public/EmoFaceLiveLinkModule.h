// EmoFace Bridge Live Link plugin: the runtime module and its registry of running sources.
#pragma once

#include "CoreMinimal.h"
#include "Modules/ModuleInterface.h"

class FEmoFaceLiveLinkSource;

/** Log category of the whole plugin (`Log LogEmoFaceLiveLink Verbose` in the console for per-frame detail). */
EMOFACELIVELINK_API DECLARE_LOG_CATEGORY_EXTERN(LogEmoFaceLiveLink, Log, All);

/**
 * The EmoFaceLiveLink runtime module. Besides module start-up it keeps a registry of the EmoFace
 * sources that a Live Link client has received, so that Blueprint calls (SendSoundWaveLine) can
 * find the source serving a subject. The registry is used on the game thread only.
 */
class EMOFACELIVELINK_API FEmoFaceLiveLinkModule : public IModuleInterface
{
public:
	/** The loaded module (loads it if needed). */
	static FEmoFaceLiveLinkModule& Get();

	//~ IModuleInterface
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

	/** Game thread: remember a source once the Live Link client has received it. */
	void RegisterSource(const TSharedRef<FEmoFaceLiveLinkSource>& Source);

	/** Game thread: forget a source that is shutting down. */
	void UnregisterSource(const FEmoFaceLiveLinkSource* Source);

	/**
	 * Game thread: the best source to submit a line for `Subject`: a connected source subscribed to it
	 * (or to every subject), else any connected source, else any registered source; null if none.
	 */
	TSharedPtr<FEmoFaceLiveLinkSource> FindSourceForSubject(FName Subject) const;

	/** Game thread: number of registered (live) sources. */
	int32 NumSources() const;

	/** Game thread: every registered (live) source. */
	TArray<TSharedPtr<FEmoFaceLiveLinkSource>> GetSources() const;

private:
	/** Sources received by a Live Link client; weak so that the client alone owns them. */
	TArray<TWeakPtr<FEmoFaceLiveLinkSource>> Sources;
};
