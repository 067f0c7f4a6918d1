// EmoFace Bridge Live Link plugin: GUI -> raw curve conversion through the engine's MetaHumanCoreTech utility.
#include "EmoFaceRawControls.h"

#include "EmoFaceLiveLinkModule.h"
#include "GuiToRawControlsUtils.h"

namespace EmoFace
{

const FRawControls& FRawControls::Get()
{
	static const FRawControls Instance;
	return Instance;
}

FRawControls::FRawControls()
{
	// An empty GUI map gives every raw curve at its neutral value: its keys are the full raw name list.
	const TMap<FString, float> Neutral = GuiToRawControlsUtils::ConvertGuiToRawControls(TMap<FString, float>());
	Neutral.GenerateKeyArray(RawKeys);
	RawNames.Reserve(RawKeys.Num());
	for (const FString& Key : RawKeys)
	{
		RawNames.Add(FName(*Key));
	}
	if (RawNames.Num() == 0)
	{
		UE_LOG(LogEmoFaceLiveLink, Error, TEXT("The MetaHuman GUI-to-raw conversion returned no curves; is the MetaHumanCoreTech plugin enabled?"));
	}
}

void FRawControls::Convert(const TArray<FString>& GuiNames, const TArray<float>& GuiValues, TArray<float>& OutRawValues,
	TMap<FString, float>& Scratch) const
{
	check(GuiNames.Num() == GuiValues.Num());
	Scratch.Reset();
	for (int32 Index = 0; Index < GuiNames.Num(); ++Index)
	{
		Scratch.Add(GuiNames[Index], GuiValues[Index]);
	}
	const TMap<FString, float> Raw = GuiToRawControlsUtils::ConvertGuiToRawControls(Scratch);
	OutRawValues.SetNumUninitialized(RawKeys.Num());
	for (int32 Index = 0; Index < RawKeys.Num(); ++Index)
	{
		const float* Value = Raw.Find(RawKeys[Index]);
		OutRawValues[Index] = Value ? *Value : 0.0f;
	}
}

}  // namespace EmoFace
