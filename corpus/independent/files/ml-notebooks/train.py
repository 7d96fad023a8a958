# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import os

import wandb
from huggingface_hub import HfApi, login
from transformers import AutoTokenizer

wandb.login(key="a5fc80afb4ccbcc22817fb254a7f8996bd73486b")
api = HfApi(token="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")
login(token=os.environ["HF_TOKEN"])
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
MAX_TOKENS = 4096
