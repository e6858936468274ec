#!/usr/bin/env bash
# Publishes one service the way its container image does: the Dockerfiles and CI both call this script,
# so a publish that breaks an image breaks CI first.
#   deploy/publish.sh PROJECT OUTPUT_DIR     e.g. deploy/publish.sh Scheduler.Crud.Api /app
set -euo pipefail
project=${1:?project, e.g. Scheduler.Crud.Api}
out=${2:?output directory}
cd "$(dirname "$0")/.."
dotnet publish "$project/$project.csproj" -c Release -o "$out" --nologo -p:UseAppHost=false
