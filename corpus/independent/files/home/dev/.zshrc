# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
export PATH="$HOME/.local/bin:$PATH"
export EDITOR=nvim
export ANTHROPIC_API_KEY="sk-ant-api03-gjKVqA2vcFi_uLqAv1GMWfoTC997ufsKCNZgR51uN72ydTnHhBZb_bqa0Bu3pEgxE4fNdp0hbtxyJcL2iEBQWYh4CAkxSAA"
export DD_API_KEY=f1897373bee40794a3ba90342546d477
export NPM_TOKEN=$(op read "op://Private/npm/token")
export PGPASSWORD='Cedarvoyage75!'
alias k=kubectl
