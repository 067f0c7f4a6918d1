// EmoFace Bridge Live Link plugin: conversions between Unreal strings and the protocol core's UTF-8 std::string.
#pragma once

#include "CoreMinimal.h"
#include "Containers/StringConv.h"

#include <string>
#include <vector>

namespace EmoFace
{

/** UTF-8 std::string (protocol `str`) -> FString. */
inline FString ToFString(const std::string& Utf8)
{
	const FUTF8ToTCHAR Converted(Utf8.data(), static_cast<int32>(Utf8.size()));
	return FString(Converted.Length(), Converted.Get());
}

/** FString -> UTF-8 std::string (protocol `str`). */
inline std::string ToStdString(const FString& Text)
{
	const FTCHARToUTF8 Converted(*Text);
	return std::string(Converted.Get(), static_cast<size_t>(Converted.Length()));
}

/** Subject names for the protocol. */
inline std::vector<std::string> ToStdStrings(const TArray<FString>& Texts)
{
	std::vector<std::string> Out;
	Out.reserve(Texts.Num());
	for (const FString& Text : Texts)
	{
		Out.push_back(ToStdString(Text));
	}
	return Out;
}

}  // namespace EmoFace
