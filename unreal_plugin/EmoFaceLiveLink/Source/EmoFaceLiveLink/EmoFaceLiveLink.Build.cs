// EmoFace Bridge Live Link plugin: the runtime module (Live Link source, factory, settings, Blueprint library).
using System.IO;
using UnrealBuildTool;

public class EmoFaceLiveLink : ModuleRules
{
	public EmoFaceLiveLink(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;

		// The protocol core (Private/Protocol/) and the plain helpers are written without exceptions and RTTI.
		bEnableExceptions = false;
		bUseRTTI = false;

		PrivateIncludePaths.Add(Path.Combine(ModuleDirectory, "Private"));

		PublicDependencyModuleNames.AddRange(new string[]
		{
			"Core",
			"CoreUObject",
			"Engine",              // USoundWave, UBlueprintFunctionLibrary, AudioDecompress.h
			"LiveLinkInterface",   // ILiveLinkSource, ILiveLinkClient, ULiveLinkSourceFactory, ULiveLinkBasicRole
			"DeveloperSettings",   // UDeveloperSettings (Project Settings > Plugins > EmoFace Live Link)
		});

		PrivateDependencyModuleNames.AddRange(new string[]
		{
			"Sockets",             // FSocket, ISocketSubsystem
			"Networking",
			"MetaHumanCoreTech",   // GuiToRawControlsUtils::ConvertGuiToRawControls
		});
	}
}
