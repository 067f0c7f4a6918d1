// EmoFace Bridge Live Link plugin: MetaHuman face-board (GUI) values -> raw CTRL_expressions_* curves,
// through the engine's own conversion, GuiToRawControlsUtils::ConvertGuiToRawControls (MetaHumanCoreTech,
// GuiToRawControlsUtils.h), the one Epic's MetaHuman Live Link subjects use.
#pragma once

#include "CoreMinimal.h"

namespace EmoFace
{

/**
 * The raw curve names, computed once from the conversion's output keys (in the order the conversion
 * returns them, kept stable for the life of the process), and a per-frame converter that reads the
 * values back by name, so the order never depends on map iteration of a particular frame.
 */
class FRawControls
{
public:
	/** The process-wide instance (thread-safe lazy initialisation; the module touches it at start-up). */
	static const FRawControls& Get();

	/** Raw curve names (251 on UE 5.6+ MetaHumans), the Basic-role property names of every subject. */
	const TArray<FName>& GetRawNames() const { return RawNames; }

	/**
	 * Convert one frame. `GuiNames`/`GuiValues`: engine face-board names (`CTRL_C_jaw.ty`) and values,
	 * same length. `OutRawValues` is resized to GetRawNames().Num(); a raw curve the conversion does not
	 * return for this frame is 0. `Scratch` is reused between frames to avoid allocations.
	 */
	void Convert(const TArray<FString>& GuiNames, const TArray<float>& GuiValues, TArray<float>& OutRawValues,
		TMap<FString, float>& Scratch) const;

private:
	FRawControls();

	/** Output keys of the conversion, as strings, parallel to RawNames. */
	TArray<FString> RawKeys;
	/** The same names as FName (Live Link property names). */
	TArray<FName> RawNames;
};

}  // namespace EmoFace
