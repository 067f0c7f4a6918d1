// EmoFace Bridge Live Link plugin: face-board name adaptation (plain C++17, see the header).
#include "EmoFaceGuiAdapter.h"

#include <algorithm>
#include <cmath>

namespace emoface::plugin
{
namespace
{

struct Rename
{
	const char* from;   // control name without axis
	const char* to;
};

// Newer MetaHuman rigs renamed these controls (model/data/controls.tsv, column newer_rig_name).
constexpr Rename kRenames[] = {
	{"CTRL_C_tongue", "CTRL_C_tongue_move"},
	{"CTRL_C_tongue_tip", "CTRL_C_tongue_tipMove"},
	{"CTRL_C_tongue_narrowWide", "CTRL_C_tongue_wideNarrow"},
};

// No counterpart in the UE 5.6+ GUI-to-raw conversion: rig switches, and the tongue roll's x axis.
constexpr const char* kDropped[] = {
	"CTRL_lookAtSwitch.ty",
	"CTRL_neckCorrectivesMultiplyerU.ty",
	"CTRL_neckCorrectivesMultiplyerM.ty",
	"CTRL_neckCorrectivesMultiplyerD.ty",
	"CTRL_C_tongue_roll.tx",
};

constexpr const char* kCombinedEye = "CTRL_C_eye";

void SplitAxis(const std::string& name, std::string& control, std::string& axis)
{
	const size_t dot = name.rfind('.');
	control = dot == std::string::npos ? name : name.substr(0, dot);
	axis = dot == std::string::npos ? std::string() : name.substr(dot);   // ".tx" / ".ty" / ""
}

}  // namespace

GuiAdapter::GuiAdapter(const std::vector<std::string>& controls)
	: InputCount_(controls.size())
{
	for (size_t input = 0; input < controls.size(); ++input)
	{
		const std::string& name = controls[input];
		if (std::find_if(std::begin(kDropped), std::end(kDropped),
				[&name](const char* dropped) { return name == dropped; }) != std::end(kDropped))
		{
			Dropped_.push_back(name);
			continue;
		}
		std::string control;
		std::string axis;
		SplitAxis(name, control, axis);
		if (control == kCombinedEye)
		{
			Terms_.push_back({input, OutputIndex("CTRL_L_eye" + axis, true)});
			Terms_.push_back({input, OutputIndex("CTRL_R_eye" + axis, true)});
			continue;
		}
		for (const Rename& rename : kRenames)
		{
			if (control == rename.from)
			{
				control = rename.to;
				break;
			}
		}
		Terms_.push_back({input, OutputIndex(control + axis, false)});
	}
}

size_t GuiAdapter::OutputIndex(const std::string& guiName, bool clamp)
{
	const auto found = std::find(GuiNames_.begin(), GuiNames_.end(), guiName);
	if (found != GuiNames_.end())
	{
		const size_t index = static_cast<size_t>(found - GuiNames_.begin());
		ClampOutput_[index] = ClampOutput_[index] || clamp;
		return index;
	}
	GuiNames_.push_back(guiName);
	ClampOutput_.push_back(clamp);
	return GuiNames_.size() - 1;
}

bool GuiAdapter::Apply(const float* values, size_t count, std::vector<float>& out, size_t* nonFiniteCount) const
{
	out.clear();
	if (count != InputCount_ || (count > 0 && values == nullptr))
	{
		return false;
	}
	out.assign(GuiNames_.size(), 0.0f);
	size_t nonFinite = 0;
	for (size_t input = 0; input < count; ++input)
	{
		nonFinite += std::isfinite(values[input]) ? 0 : 1;
	}
	for (const Term& term : Terms_)
	{
		const float value = values[term.input];
		out[term.output] += std::isfinite(value) ? value : 0.0f;
	}
	for (size_t output = 0; output < out.size(); ++output)
	{
		if (ClampOutput_[output])
		{
			out[output] = std::min(1.0f, std::max(-1.0f, out[output]));
		}
	}
	if (nonFiniteCount != nullptr)
	{
		*nonFiniteCount = nonFinite;
	}
	return true;
}

}  // namespace emoface::plugin
