<?php
// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
return [
    'default' => env('DB_CONNECTION', 'mysql'),
    'connections' => [
        'mysql' => [
            'driver' => 'mysql',
            'url' => env('DATABASE_URL'),
            'host' => env('DB_HOST', '127.0.0.1'),
            'username' => env('DB_USERNAME', 'shop_app'),
            'password' => env('DB_PASSWORD', 'q3H#ujn_T!@ur+oNdtuaXch#'),
        ],
        'reporting' => [
            'driver' => 'pgsql',
            'url' => 'postgresql://deploy:mO&eEY~g0J7hurDcFwuHt@orders-prod.c5pwyq7.eu-west-1.rds.amazonaws.com:5432/ledger?sslmode=require',
        ],
    ],
];
