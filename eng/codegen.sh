#!/usr/bin/env bash
# Regenerates the Neon API client (internal to Neon.Testing.Engine, namespace Neon.Api) from the Neon API v2 document in ../shared/neon-api:
#   1. eng/codegen/trim.mjs   keeps only the operations we call (and what they reference)
#   2. NSwag (npm nswag, pinned in eng/codegen/package.json, .NET 10 build) writes the C#
#   3. eng/codegen/polish.mjs gives snake_case identifiers .NET names and makes every type internal
# Usage: eng/codegen.sh          regenerate src/Neon.Testing.Engine/Providers/NeonCloud/Api/Generated
#        eng/codegen.sh --check  regenerate into a temp folder; exit 1 on any drift (CI)
# NEON_SHARED_DIR overrides where the shared reference data lives.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/eng/codegen"
relative="src/Neon.Testing.Engine/Providers/NeonCloud/Api/Generated"
project="$root/$relative"
spec_name="neon-api-v2.trimmed.json"
code_name="NeonApiClient.g.cs"

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# shared/ is the sibling of the repository root; in a git worktree, of the main checkout.
shared="${NEON_SHARED_DIR:-}"
if [[ -z "$shared" ]]; then
  shared="$root/../shared"
  if [[ ! -d "$shared" ]]; then
    common="$(git -C "$root" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)"
    [[ -n "$common" ]] && shared="$(dirname "$(dirname "$common")")/shared"
  fi
fi
input="$shared/neon-api/v2.json"
trim=true
if [[ ! -f "$input" ]]; then
  if [[ "$check" != true ]]; then
    echo "codegen: $input not found. Set NEON_SHARED_DIR to the folder holding neon-api/v2.json." >&2
    exit 1
  fi
  # A clone without the shared reference data (a public CI runner): the committed trimmed document
  # is still the input of the generated client, so check the client against it.
  echo "codegen: $input not found; checking the client against the committed $spec_name only." >&2
  trim=false
fi

# Restore the pinned NSwag into the git-ignored eng/codegen/node_modules when it is missing.
if [[ ! -f "$tools/node_modules/nswag/package.json" ]] \
  || [[ "$(node -p "require('$tools/node_modules/nswag/package.json').version")" != "$(node -p "require('$tools/package.json').dependencies.nswag")" ]]; then
  npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null
fi

generate() {
  local out="$1"
  mkdir -p "$out"
  if [[ "$trim" == true ]]; then
    node "$tools/trim.mjs" "$input" "$out/$spec_name"
  else
    cp "$project/$spec_name" "$out/$spec_name"
  fi
  # Options: HttpClient injected with its BaseAddress set by the caller (auth and resilience
  # are handlers on it); System.Text.Json; nullable-clean DTOs; no schema defaults (they would
  # invent values Neon never sent); List<T> for arrays; DateTimeOffset for timestamps.
  "$tools/node_modules/.bin/nswag" openapi2csclient /runtime:Net100 \
    "/input:$out/$spec_name" \
    "/output:$out/$code_name" \
    /namespace:Neon.Api \
    /ClassName:NeonApiClient \
    /ExceptionClass:NeonApiException \
    /OperationGenerationMode:SingleClientFromOperationId \
    /JsonLibrary:SystemTextJson \
    /UseBaseUrl:false \
    /InjectHttpClient:true \
    /GenerateClientInterfaces:false \
    /GenerateOptionalParameters:true \
    /GenerateNullableReferenceTypes:true \
    /GenerateOptionalPropertiesAsNullable:true \
    /GenerateDefaultValues:false \
    /GenerateDataAnnotations:false \
    /RequiredPropertiesMustBeDefined:false \
    /DateTimeType:System.DateTimeOffset \
    /ArrayType:System.Collections.Generic.List \
    /ArrayInstanceType:System.Collections.Generic.List \
    /ResponseArrayType:System.Collections.Generic.List \
    /NewLineBehavior:LF >/dev/null
  node "$tools/polish.mjs" "$out/$code_name"
}

if [[ "$check" == true ]]; then
  temp="$(mktemp -d)"
  trap 'rm -rf "$temp"' EXIT
  generate "$temp"
  status=0
  for file in "$spec_name" "$code_name"; do
    if ! diff -u "$project/$file" "$temp/$file" >"$temp/diff" 2>&1; then
      echo "codegen: $relative/$file is out of date; run eng/codegen.sh and commit the result." >&2
      head -n 40 "$temp/diff" >&2
      status=1
    fi
  done
  [[ $status -eq 0 ]] && echo "codegen: $relative is up to date."
  exit $status
fi

generate "$project"
echo "codegen: wrote $relative/$spec_name and $code_name ($(wc -l <"$project/$code_name") lines)."
