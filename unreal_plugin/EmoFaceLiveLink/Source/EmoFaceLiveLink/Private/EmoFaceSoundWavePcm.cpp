// EmoFace Bridge Live Link plugin: SoundWave -> 16-bit PCM.
#include "EmoFaceSoundWavePcm.h"

#include "AudioDecompress.h"
#include "Sound/SoundWave.h"
#include "Sound/SoundWaveProcedural.h"

namespace EmoFace
{
namespace
{

/** Bytes decoded per StreamCompressedData call. */
constexpr int32 kDecodeChunkBytes = 32 * 1024;

#if !WITH_EDITOR
bool DecodeCompressed(USoundWave* SoundWave, FSoundWavePcm& Out, FString& OutError)
{
	// AudioDecompress.h: the streamed decoder reads each chunk through GetLoadedChunk, which returns nullptr for a
	// chunk that is not resident, and decoding then goes on with silence. A wave that streams (SoundWave.h,
	// USoundWave::IsStreaming) is therefore refused; a Force Inline wave is loaded whole with its asset.
	if (SoundWave->IsStreaming(nullptr))
	{
		OutError = FString::Printf(TEXT("SoundWave %s streams its audio in this cooked game, so it may not be loaded "
			"whole; set its Loading Behavior Override to Force Inline (or send the PCM with SubmitLine)"),
			*SoundWave->GetName());
		return false;
	}
	const FName Format = SoundWave->GetRuntimeFormat();
	TUniquePtr<ICompressedAudioInfo> Decoder(IAudioInfoFactoryRegistry::Get().Create(Format));
	if (!Decoder.IsValid())
	{
		OutError = FString::Printf(TEXT("no decoder for the audio format '%s' of SoundWave %s"), *Format.ToString(), *SoundWave->GetName());
		return false;
	}
	FSoundQualityInfo Quality = {};
	if (!Decoder->StreamCompressedInfo(SoundWave, &Quality) || Quality.NumChannels == 0)
	{
		OutError = FString::Printf(TEXT("cannot read the compressed audio of SoundWave %s"), *SoundWave->GetName());
		return false;
	}
	Out.SampleRateHz = static_cast<int32>(Quality.SampleRate);
	Out.NumChannels = static_cast<int32>(Quality.NumChannels);
	const int32 TotalBytes = static_cast<int32>(Quality.SampleDataSize);
	Out.PcmS16.Reset(TotalBytes);
	while (Out.PcmS16.Num() < TotalBytes)
	{
		const int32 Offset = Out.PcmS16.Num();
		const int32 Wanted = FMath::Min(kDecodeChunkBytes, TotalBytes - Offset);
		Out.PcmS16.AddZeroed(Wanted);
		int32 Decoded = 0;
		const bool bFinished = Decoder->StreamCompressedData(Out.PcmS16.GetData() + Offset, false, Wanted, Decoded);
		Out.PcmS16.SetNum(Offset + FMath::Clamp(Decoded, 0, Wanted));
		if (bFinished || Decoded <= 0)
		{
			break;
		}
	}
	// Never send part of a line: a short or failed decode is refused, not padded or truncated.
	if (Decoder->HasError() || Out.PcmS16.Num() < TotalBytes)
	{
		OutError = FString::Printf(TEXT("SoundWave %s decoded to %d of its %d bytes of audio; set its Loading Behavior "
			"Override to Force Inline"), *SoundWave->GetName(), Out.PcmS16.Num(), TotalBytes);
		return false;
	}
	return true;
}
#endif

}  // namespace

bool ExtractSoundWavePcm(USoundWave* SoundWave, FSoundWavePcm& Out, FString& OutError)
{
	Out = FSoundWavePcm();
	if (SoundWave == nullptr)
	{
		OutError = TEXT("no SoundWave given");
		return false;
	}
	if (SoundWave->IsA<USoundWaveProcedural>())
	{
		OutError = FString::Printf(TEXT("SoundWave %s is procedural (generated at play time) and has no stored audio to send"), *SoundWave->GetName());
		return false;
	}
#if WITH_EDITOR
	uint32 SampleRateHz = 0;
	uint16 NumChannels = 0;
	if (!SoundWave->GetImportedSoundWaveData(Out.PcmS16, SampleRateHz, NumChannels))
	{
		OutError = FString::Printf(TEXT("SoundWave %s has no imported audio data (re-import it from a WAV file)"), *SoundWave->GetName());
		return false;
	}
	Out.SampleRateHz = static_cast<int32>(SampleRateHz);
	Out.NumChannels = static_cast<int32>(NumChannels);
#else
	if (!DecodeCompressed(SoundWave, Out, OutError))
	{
		return false;
	}
#endif
	if (Out.PcmS16.Num() < 2 * FMath::Max(1, Out.NumChannels) || Out.SampleRateHz <= 0 || Out.NumChannels <= 0)
	{
		OutError = FString::Printf(TEXT("SoundWave %s decoded to no audio"), *SoundWave->GetName());
		return false;
	}
	return true;
}

}  // namespace EmoFace
