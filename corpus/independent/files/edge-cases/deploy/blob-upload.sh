#!/usr/bin/env bash
# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
azcopy copy ./dist "https://acmeassets.blob.core.windows.net/web?sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2025-12-31T23:59:59Z&st=2024-06-01T00:00:00Z&spr=https&sig=hmkheA6WKvHkyGfB%2FrycWrGuwP%2FFjMC3ss%2BYVPsVfLs%3D" --recursive
