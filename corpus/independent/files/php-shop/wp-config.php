<?php
/** FAKE TEST DATA - generated credentials for scanner evaluation, none are real */
define( 'DB_NAME', 'shop_blog' );
define( 'DB_USER', 'wp_blog' );
define( 'DB_PASSWORD', 'Umber-Zephyr-Fjord-8413' );
define( 'DB_HOST', 'blog-mysql.internal' );

define( 'AUTH_KEY',         'A?S!Ea*vR1G2I!EE.6+u.CN:CUWi_gcV6:O?Dsm9v]Mg]nhs^w(=byf7I9jz[|cD' );
define( 'SECURE_AUTH_KEY',  '&E]L}Xbr:!2Wc&I8N&NXsfe%Cz+DV87ym[Z?MmD*TW.O)aMJ[tR9duQa/UoL59<E' );
define( 'LOGGED_IN_KEY',    '!C/U53okRaPsYp.w-&-5Ve>6k(WJ9U:81?/*ossj9yVxOCgN*W/EBeR8~thp=QDN' );
define( 'NONCE_SALT',       'N74a^(}#TU{re7%duUm?udFV]#~=2R?JV!Q4.pBAkxxo3=UfxaT<~5z{{/2uG;Vz' );
define( 'WP_DEBUG', false );

$table_prefix = 'wp_';
