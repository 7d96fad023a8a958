<?php
// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// pricing-engine php settings

define('MYSQL_ROOT_PASSWORD', 'Rocketquartz34@');
define('CLIENT_SECRET_SHA1', "c4e9666080ed08b3c6cd3168b4afff4b818d9a0d34efc8ea26bb3df08213e8bd");
define('SFDC_ENABLED', 'true');
define('MYSQL_BUCKET', "acme-pricing-engine-artifacts");
define('HMAC_HOST', "pricing-engine.internal.acme.io");
define('CLIENT_SECRET', $_ENV['CLIENT_SECRET'] ?? null);
define('HEROKU_LOG_LEVEL', "warn");
define('HEROKU_API_KEY', "55be8e6a-d289-4c9c-8739-a5b966574c05");

$app = [
    'tenant_id' => 'e688b5ab-ff85-42fa-9249-9b749e19c023',
    'token_ttl' => '3600',
];

putenv('HMAC_TIMEOUT_SECONDS=' . "55");
$sfdcClient = new SfdcClient(['security_token' => 'kAcTS6DFVqjsVDWZIYACCJN2']);
putenv('HEROKU_BUCKET=' . "acme-pricing-engine-artifacts");
$hmacClient = new HmacClient(['secret' => '65671fa157c8da872afdd691d40687796578f43748ceb65f1825cae52419a589']);
$sfdcClient = new SfdcClient(['environment' => "production"]);
putenv('MYSQL_RETRIES=' . '2');
putenv('CONFIG_SHA=' . '74ce868db92493e2d1753229ba1b6c79f90e8d21');
