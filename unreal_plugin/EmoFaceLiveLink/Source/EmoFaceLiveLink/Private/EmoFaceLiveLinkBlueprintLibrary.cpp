// EmoFace Bridge Live Link plugin: Blueprint functions.
#include "EmoFaceLiveLinkBlueprintLibrary.h"

#include "EmoFaceLiveLinkModule.h"
#include "EmoFaceLiveLinkSource.h"
#include "EmoFaceLiveLinkSourceFactory.h"
#include "EmoFaceSoundWavePcm.h"
#include "Features/IModularFeatures.h"
#include "HAL/PlatformTime.h"
#include "ILiveLinkClient.h"
#include "Sound/SoundWave.h"

namespace
{

/** "happy" + 0.6 -> "happy:0.600"; a spec that already has an intensity or is a JSON track passes unchanged. */
FString EmotionSpec(const FString& Emotion, float Intensity)
{
	const FString Label = Emotion.TrimStartAndEnd();
	if (Label.IsEmpty() || Label.StartsWith(TEXT("{")) || Label.Contains(TEXT(":")))
	{
		return Label;
	}
	return FString::Printf(TEXT("%s:%.3f"), *Label, FMath::Clamp(Intensity, 0.0f, 1.0f));
}

}  // namespace

int32 UEmoFaceLiveLinkBlueprintLibrary::SendSoundWaveLine(USoundWave* SoundWave, FName Subject, const FString& Emotion, float Intensity, bool bInterrupt)
{
	if (Subject.IsNone())
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("SendSoundWaveLine: give a subject name (the NPC's Live Link subject)"));
		return 0;
	}
	const TSharedPtr<FEmoFaceLiveLinkSource> Source = FEmoFaceLiveLinkModule::Get().FindSourceForSubject(Subject);
	if (!Source.IsValid())
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("SendSoundWaveLine: no EmoFace Live Link source is running; add one in the Live Link window or call StartEmoFaceSource"));
		return 0;
	}
	EmoFace::FSoundWavePcm Pcm;
	FString Error;
	if (!EmoFace::ExtractSoundWavePcm(SoundWave, Pcm, Error))
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("SendSoundWaveLine: %s"), *Error);
		return 0;
	}
	FEmoFaceLineRequest Request;
	Request.Subject = Subject.ToString();
	Request.PcmS16 = MoveTemp(Pcm.PcmS16);
	Request.SampleRateHz = Pcm.SampleRateHz;
	Request.NumChannels = Pcm.NumChannels;
	Request.Emotion = EmotionSpec(Emotion, Intensity);
	Request.bPaced = true;
	Request.bInterrupt = bInterrupt;
	const uint32 RequestId = Source->SubmitLine(MoveTemp(Request), Error);
	if (RequestId == 0)
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("SendSoundWaveLine: %s"), *Error);
		return 0;
	}
	UE_LOG(LogEmoFaceLiveLink, Log, TEXT("Line %u queued for %s: %s, %d Hz x %d ch, emotion '%s'"), RequestId, *Subject.ToString(),
		*SoundWave->GetName(), Pcm.SampleRateHz, Pcm.NumChannels, *EmotionSpec(Emotion, Intensity));
	return static_cast<int32>(RequestId);
}

bool UEmoFaceLiveLinkBlueprintLibrary::StartEmoFaceSource(const FString& ConnectionString)
{
	IModularFeatures& Features = IModularFeatures::Get();
	if (!Features.IsModularFeatureAvailable(ILiveLinkClient::ModularFeatureName))
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("StartEmoFaceSource: the Live Link client is not available (is the Live Link plugin enabled?)"));
		return false;
	}
	const TSharedPtr<ILiveLinkSource> Source = GetDefault<UEmoFaceLiveLinkSourceFactory>()->CreateSource(ConnectionString);
	if (!Source.IsValid())
	{
		return false;   // the factory logged why
	}
	ILiveLinkClient& Client = Features.GetModularFeature<ILiveLinkClient>(ILiveLinkClient::ModularFeatureName);
	return Client.AddSource(Source).IsValid();
}

bool UEmoFaceLiveLinkBlueprintLibrary::GetLineStartDelay(int32 RequestId, float& SecondsUntilStart)
{
	SecondsUntilStart = 0.0f;
	if (RequestId <= 0)
	{
		return false;
	}
	for (const TSharedPtr<FEmoFaceLiveLinkSource>& Source : FEmoFaceLiveLinkModule::Get().GetSources())
	{
		double StartPlatformS = 0.0;
		if (Source->GetLineStartPlatformTime(static_cast<uint32>(RequestId), StartPlatformS))
		{
			// Frame 0 shows once Live Link's read time reaches it: its time plus the engine's evaluation delay.
			const double ShowPlatformS = StartPlatformS + Source->GetEngineEvaluationDelayS();
			SecondsUntilStart = static_cast<float>(ShowPlatformS - FPlatformTime::Seconds());
			return true;
		}
	}
	return false;
}

bool UEmoFaceLiveLinkBlueprintLibrary::IsEmoFaceSourceConnected()
{
	const TSharedPtr<FEmoFaceLiveLinkSource> Source = FEmoFaceLiveLinkModule::Get().FindSourceForSubject(NAME_None);
	return Source.IsValid() && Source->IsConnected();
}
