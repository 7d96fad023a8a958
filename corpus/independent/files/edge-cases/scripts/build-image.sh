#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
docker build --build-arg NPMRC_B64=Ly9yZWdpc3RyeS5ucG1qcy5vcmcvOl9hdXRoVG9rZW49bnBtX0RIMVlhMTZtUzJJRG5KWGNlREF1bWlpQmNlQTVWUzBtT1ppVwo= -t acme/web:latest .
