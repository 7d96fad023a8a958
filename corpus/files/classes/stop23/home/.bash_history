echo c3ZjLWhpbDpXaWxsb3c4Mw== | base64 -d
printf '%s' '324c584136444536434c37335a544b6a47737038' | xxd -r -p | sudo tee /etc/edge/secret
echo aGVsbG8gd29ybGQgZnJvbSB0aGUgZG9jcw== | base64 -d
