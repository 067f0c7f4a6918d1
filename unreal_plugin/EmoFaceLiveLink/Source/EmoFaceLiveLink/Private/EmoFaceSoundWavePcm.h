// EmoFace Bridge Live Link plugin: read a USoundWave's audio as 16-bit PCM for SUBMIT_LINE.
#pragma once

#include "CoreMinimal.h"

class USoundWave;

namespace EmoFace
{

/** A SoundWave's samples: interleaved signed 16-bit little-endian PCM. */
struct FSoundWavePcm
{
	TArray<uint8> PcmS16;
	int32 SampleRateHz = 0;
	int32 NumChannels = 0;
};

/**
 * Extract the PCM of `SoundWave` (game thread).
 * - In the editor (including Play In Editor) the imported source data is used
 *   (USoundWave::GetImportedSoundWaveData), so no quality is lost to compression.
 *   This is the default, documented path.
 * - In a cooked game the platform's compressed data is decoded with the engine's decoder for the
 *   wave's runtime format (IAudioInfoFactoryRegistry / ICompressedAudioInfo, AudioDecompress.h), only when
 *   it is loaded whole: a streaming wave (USoundWave::IsStreaming) is refused, and so is a decode that
 *   yields fewer bytes than the wave holds. Dialogue waves sent from a packaged game: Force Inline.
 * Returns false with a message a user can act on (no wave, procedural wave, streaming wave, no audio data).
 */
bool ExtractSoundWavePcm(USoundWave* SoundWave, FSoundWavePcm& Out, FString& OutError);

}  // namespace EmoFace
