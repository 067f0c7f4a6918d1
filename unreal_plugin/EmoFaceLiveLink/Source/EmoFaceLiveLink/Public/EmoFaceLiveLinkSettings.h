// EmoFace Bridge Live Link plugin: project-wide defaults (Project Settings > Plugins > EmoFace Live Link).
#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"

#include "EmoFaceLiveLinkSettings.generated.h"

/**
 * Defaults used when a source is created without a full connection string (the Live Link window's
 * "EmoFace Bridge" entry, or StartEmoFaceSource with an empty string), and the connection policy of
 * every EmoFace source. Stored in Config/DefaultGame.ini, so a packaged game has the same values.
 */
UCLASS(config = Game, defaultconfig, meta = (DisplayName = "EmoFace Live Link"))
class EMOFACELIVELINK_API UEmoFaceLiveLinkSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	UEmoFaceLiveLinkSettings();

	/** Host name or IP address of the machine running `emoface serve --livelink-port`. */
	UPROPERTY(config, EditAnywhere, Category = "Connection")
	FString DefaultHost = TEXT("127.0.0.1");

	/** TCP port given to `emoface serve --livelink-port`. */
	UPROPERTY(config, EditAnywhere, Category = "Connection", meta = (ClampMin = 1, ClampMax = 65535))
	int32 DefaultPort = 50052;

	/** Subjects to subscribe to; empty = every subject the server animates. */
	UPROPERTY(config, EditAnywhere, Category = "Connection")
	TArray<FString> DefaultSubjects;

	/** Token sent in HELLO when the server runs with `--token-file`/`--token-env` (scope `animate`); empty = none. Saved in DefaultGame.ini in clear text. */
	UPROPERTY(config, EditAnywhere, Category = "Connection")
	FString DefaultToken;

	/** Name this client gives in HELLO; shown in the server's log. */
	UPROPERTY(config, EditAnywhere, Category = "Connection")
	FString ClientName = TEXT("Unreal");

	/** Time allowed for one TCP connect, s. */
	UPROPERTY(config, EditAnywhere, Category = "Reconnect", meta = (ClampMin = 0.1, Units = "s"))
	float ConnectTimeoutS = 3.0f;

	/** Delay before the first reconnect attempt, s; doubles after each failure. */
	UPROPERTY(config, EditAnywhere, Category = "Reconnect", meta = (ClampMin = 0.05, Units = "s"))
	float ReconnectInitialDelayS = 0.5f;

	/** Upper bound of the reconnect delay, s. */
	UPROPERTY(config, EditAnywhere, Category = "Reconnect", meta = (ClampMin = 0.05, Units = "s"))
	float ReconnectMaxDelayS = 10.0f;

	/** Consecutive failed attempts after which the source stops trying; 0 = keep trying. */
	UPROPERTY(config, EditAnywhere, Category = "Reconnect", meta = (ClampMin = 0))
	int32 ReconnectMaxAttempts = 0;

	/** Close and reconnect when nothing arrives from the server for this long, s (the server heartbeats every 1 s). */
	UPROPERTY(config, EditAnywhere, Category = "Reconnect", meta = (ClampMin = 2.0, Units = "s"))
	float IdleTimeoutS = 10.0f;

	/**
	 * Also push the properties Epic's MetaHuman Live Link subjects carry after the raw curves, so the subject
	 * has the same shape: HeadControlSwitch = 0 (the head is not driven), head angles and translation 0,
	 * then MHFDSVersion = 1 and DisableFaceOverride = 1, the values of Epic's audio and video subjects.
	 */
	UPROPERTY(config, EditAnywhere, Category = "Subjects")
	bool bPushHeadProperties = true;

	/** Live Link frames kept per subject; paced lines arrive about 0.1 s (6 frames) ahead of their time. */
	UPROPERTY(config, EditAnywhere, Category = "Subjects", meta = (ClampMin = 10))
	int32 FramesToBuffer = 120;

	//~ UDeveloperSettings
	virtual FName GetCategoryName() const override;
};
