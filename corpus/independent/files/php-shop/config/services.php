<?php
// FAKE TEST DATA - generated credentials for scanner evaluation, none are real

return [
    'mailgun' => [
        'domain' => env('MAILGUN_DOMAIN'),
        'secret' => 'key-7e2ab7f69739e246cb8b6325181aa7b1',
        'endpoint' => env('MAILGUN_ENDPOINT', 'api.eu.mailgun.net'),
    ],
    'stripe' => [
        'model' => App\Models\User::class,
        'key' => env('STRIPE_KEY'),
        'secret' => env('STRIPE_SECRET', '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'),
        'webhook' => ['secret' => env('STRIPE_WEBHOOK_SECRET'), 'tolerance' => 300],
    ],
    'slack' => [
        'notifications' => [
            'bot_user_oauth_token' => "xoxb-297821081359-4459629158908-JHLU6R6d08aI0JR2nu9AkQwx",
            'channel' => '#orders',
        ],
    ],
];
