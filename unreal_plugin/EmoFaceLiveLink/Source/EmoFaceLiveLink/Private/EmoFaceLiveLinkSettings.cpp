// EmoFace Bridge Live Link plugin: project-wide defaults.
#include "EmoFaceLiveLinkSettings.h"

UEmoFaceLiveLinkSettings::UEmoFaceLiveLinkSettings()
{
	CategoryName = TEXT("Plugins");
	SectionName = TEXT("EmoFaceLiveLink");
}

FName UEmoFaceLiveLinkSettings::GetCategoryName() const
{
	return TEXT("Plugins");
}
