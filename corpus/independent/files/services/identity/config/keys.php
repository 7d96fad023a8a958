<?php
// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// identity php settings

define('TENCENT_CLOUD_REGION', "eu-west-1");
define('NEW_RELIC_LICENSE_KEY', "eef2065ab1b32610d09e400c1e79049bdf40NRAL");
define('CIRCLECI_TOKEN', 'a0cc5389977442c16055aeb2808cf82f73f1a1fd');
define('SECRET_ARN', "arn:aws:secretsmanager:us-east-1:869061507912:secret:prod/billing/db-Z26WD7");
define('SECRET_NAME', "prod-db-credentials");
define('NEW_RELIC_USERNAME', 'deploy');

$tencentCloud = [
    'secret_id' => "AKID6xZ7Cr63rU1A37WDdB0f1Cb3Vgp6uDfM",
];

$app = [
    'webhook_secret' => $_ENV['WEBHOOK_SECRET'] ?? null,
    'client_id' => getenv('CLIENT_ID'),
];

$ngrokClient = new NgrokClient(['authtoken' => 'fxfho1vfEKwoSRS3hrAOT7NSKal_YVPJHWoVGf2kniHcFdRCy']);
putenv('TENCENT_CLOUD_TIMEOUT_SECONDS=' . '57');
putenv('CLIENT_SECRET_SHA1=' . "86e4da3ba5913606b1ec22b0db46d551eefc168c");
putenv('TOKEN_ID=' . env('TOKEN_ID'));
$awsClient = new AwsClient(['secret_access_key' => $_ENV['AWS_SECRET_ACCESS_KEY'] ?? null]);
putenv('TOKEN_ROTATION_COMMIT=' . getenv('TOKEN_ROTATION_COMMIT'));
putenv('TOKEN_URL=' . "https://oauth2.googleapis.com/token");
$tencentCloudClient = new TencentCloudClient(['secret_key' => "eHzElE54r131PyOjYe5F09cg5v6NQpaY"]);
