// EmoFace Bridge Live Link plugin: Blueprint functions (send a SoundWave line, start a source in game).
#pragma once

#include "CoreMinimal.h"
#include "Kismet/BlueprintFunctionLibrary.h"

#include "EmoFaceLiveLinkBlueprintLibrary.generated.h"

class USoundWave;

UCLASS()
class EMOFACELIVELINK_API UEmoFaceLiveLinkBlueprintLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()

public:
	/**
	 * Send a SoundWave's audio to the EmoFace service to animate `Subject`, with an emotion. The frames
	 * come back through the running EmoFace Live Link source, paced in real time: play the same
	 * SoundWave now and the face follows it (about 0.1 s of server lead is absorbed by Live Link's
	 * engine-time evaluation).
	 * @param SoundWave  The line's audio (imported WAV; any rate 4-192 kHz, 1-8 channels).
	 * @param Subject    Live Link subject (NPC) to animate, for example NPC_A.
	 * @param Emotion    neutral, happy, sad, angry, fear, disgust or surprise.
	 * @param Intensity  Emotion intensity, 0..1.
	 * @param bInterrupt Cut the subject's current line short instead of queueing behind it.
	 * @return The request id (> 0) when the line was queued; 0 on failure (the reason is in the log).
	 */
	UFUNCTION(BlueprintCallable, Category = "EmoFace|Live Link", meta = (ReturnDisplayName = "Request Id"))
	static int32 SendSoundWaveLine(USoundWave* SoundWave, FName Subject, const FString& Emotion = TEXT("neutral"), float Intensity = 1.0f, bool bInterrupt = false);

	/**
	 * Add an EmoFace source to the Live Link client, for games (no Live Link window) or scripted set-ups.
	 * @param ConnectionString For example `host=10.0.0.5;port=50052;subjects=NPC_A`; empty = Project Settings defaults.
	 * @return true when the source was added (it then connects, and reconnects, on its own).
	 */
	UFUNCTION(BlueprintCallable, Category = "EmoFace|Live Link")
	static bool StartEmoFaceSource(const FString& ConnectionString);

	/** True when an EmoFace source is connected to the service. */
	UFUNCTION(BlueprintPure, Category = "EmoFace|Live Link")
	static bool IsEmoFaceSourceConnected();
};
