# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
ls -la
export GITHUB_TOKEN=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
gh repo list acme --limit 50
mysql -uroot -pOyster.Raven.Bramble.3824 -h 127.0.0.1 orders
curl -u admin:Willow_Meadow_Saffron_3379 https://jenkins.acme.io/api/json
psql "postgresql://reporting:kux2;oBhuEhMopTt(8@orders-prod.cylo3ma.eu-west-1.rds.amazonaws.com:5432/analytics?sslmode=require"
aws configure set aws_secret_access_key jGfErmz0OM5FehvrXKKK5u2dOAW298AN73U+jTKl
export HF_TOKEN='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'
echo $OPENAI_API_KEY
docker login -u acmeci --password-stdin < ~/.docker-token
heroku config:set STRIPE_SECRET_KEY=sk_live_Poxp1udFd4axZdC722wWM1S5 -a acme-billing
git push origin main
