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
	 * come back through the running EmoFace Live Link source, paced in real time and stamped with the
	 * time each should show. For exact sync, start the SoundWave when GetLineStartDelay says the line's
	 * first frame shows (the server needs the upload, about 0.1 s of lead and its first model window).
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

	/**
	 * For audio sync: once the server has started the line of `RequestId` (returned by SendSoundWaveLine),
	 * how long until its first frame shows, s (negative when it already started): frame 0's time plus the
	 * delay with which Live Link evaluates this source (its Engine Time offsets). Play the SoundWave after
	 * that delay and the face matches the audio. False while the server has not started the line.
	 */
	UFUNCTION(BlueprintCallable, Category = "EmoFace|Live Link")
	static bool GetLineStartDelay(int32 RequestId, float& SecondsUntilStart);

	/** True when an EmoFace source is connected to the service. */
	UFUNCTION(BlueprintPure, Category = "EmoFace|Live Link")
	static bool IsEmoFaceSourceConnected();
};
