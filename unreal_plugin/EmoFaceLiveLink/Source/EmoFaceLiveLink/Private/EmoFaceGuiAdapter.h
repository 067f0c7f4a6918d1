// EmoFace Bridge Live Link plugin: adapt EmoFace's 174 face-board controls to the names the engine's
// GUI-to-raw conversion (GuiToRawControlsUtils::ConvertGuiToRawControls, MetaHumanCoreTech) expects.
//
// Plain C++17 (no Unreal headers), tested with g++ by tests/unreal/test_plugin_sources.py.
//
// EmoFace predicts the face board of the EmoFace dataset's rig. The UE 5.6+ MetaHuman face board
// differs in a few controls, so each input control is mapped by one of these rules:
// - renamed: three tongue controls were renamed in newer rigs (the `newer_rig_name` column of
//   model/data/controls.tsv): CTRL_C_tongue -> CTRL_C_tongue_move, CTRL_C_tongue_tip ->
//   CTRL_C_tongue_tipMove, CTRL_C_tongue_narrowWide -> CTRL_C_tongue_wideNarrow (value passed as is);
// - folded: CTRL_C_eye.tx/.ty (the board's combined aim control) is added to both CTRL_L_eye and
//   CTRL_R_eye on the same axis, and the sum is clamped to [-1, 1], as the board's aim control does;
// - dropped: rig switches and controls with no counterpart in the 5.6 conversion
//   (CTRL_lookAtSwitch, CTRL_neckCorrectivesMultiplyerU/M/D, CTRL_C_tongue_roll.tx);
// - otherwise passed through under the same name.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace emoface::plugin
{

/** Maps one frame of protocol control values (subject static order) to engine face-board GUI values. */
class GuiAdapter
{
public:
	/** Build the mapping for a subject's control list (SUBJECT_STATIC, Unreal names like `CTRL_C_jaw.ty`). */
	explicit GuiAdapter(const std::vector<std::string>& controls);

	/** Number of input controls a frame must have. */
	size_t InputCount() const { return InputCount_; }

	/** The engine GUI names written by Apply, in a stable order (first use in the input list). */
	const std::vector<std::string>& GuiNames() const { return GuiNames_; }

	/** Input controls that have no engine counterpart and are ignored. */
	const std::vector<std::string>& DroppedControls() const { return Dropped_; }

	/**
	 * Convert one frame. `values` has InputCount() floats; `out` is resized to GuiNames().size().
	 * Non-finite inputs count as 0. Returns false (and leaves `out` empty) if `count` != InputCount().
	 * `nonFiniteCount`, when given, receives how many inputs were NaN or infinite.
	 */
	bool Apply(const float* values, size_t count, std::vector<float>& out, size_t* nonFiniteCount = nullptr) const;

private:
	struct Term
	{
		size_t input = 0;    // index into the frame's values
		size_t output = 0;   // index into GuiNames_
	};

	size_t OutputIndex(const std::string& guiName, bool clamp);

	size_t InputCount_ = 0;
	std::vector<std::string> GuiNames_;
	std::vector<bool> ClampOutput_;      // per output: clamp the summed value to [-1, 1]
	std::vector<Term> Terms_;
	std::vector<std::string> Dropped_;
};

}  // namespace emoface::plugin
