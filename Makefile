# Tally — developer commands. `make` (or `make help`) lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

GRPC_PORT ?= 7400
HTTP_PORT ?= 7401
PORT      ?= 7450
DOTNET    := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet
ALLINONE  := services/allinone/Tally.AllInOne
INTEROP   := tests/Tally.Interop.Server

.PHONY: help build run test fuzz bench load soak interop-server infra-up infra-down up down clean restore-check ingest-seeds images check-deploy

help: ## list the targets
	@echo "Tally — make targets (variables: GRPC_PORT=$(GRPC_PORT) HTTP_PORT=$(HTTP_PORT) PORT=$(PORT))"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

build: ## build everything (Release)
	$(DOTNET) build Platform.sln -c Release --disable-build-servers

run: ## start the embedded default: all four services in one process (gRPC 127.0.0.1:7400, HTTP 7401; GRPC_PORT= HTTP_PORT= to change)
	@test -d $(ALLINONE) || { echo "make run: $(ALLINONE) does not exist yet"; exit 1; }
	Tally__Host__GrpcPort=$(GRPC_PORT) Tally__Host__HttpPort=$(HTTP_PORT) \
	  $(DOTNET) run --project $(ALLINONE) -c Release

ingest-seeds: ## store ../shared/seeds under their catalog sources in a running Tally, so bundled citations verify
	bash scripts/ingest-seeds.sh

test: ## install + start Redis/RabbitMQ/PostgreSQL, run every test project, tear down; ends with "tests: N passed, N failed"
	@bash scripts/test.sh

fuzz: ## fuzz every parser for longer than make test does (TALLY_FUZZ_SECONDS=60 per target, fresh seed; FUZZ_FILTER=Grpc); new failing inputs land in tests/Tally.Fuzz.Tests/Regressions/
	@bash scripts/fuzz.sh

bench: ## RPC benchmark (ours vs grpc-js), Ask (all-in-one), distributed Ask (its own make up, ports 7460-7467) and datasets (engine vs sqlite3 .import / psql \copy, 1M rows); results in bench/results/; TALLY_BENCH_ONLY=rpc,ask,distributed,datasets picks; RPC options: make bench ARGS='--duration 10 --concurrency 1,64'
	@bash scripts/bench.sh $(ARGS)

load: ## mixed load (asks, figure lookups, document and dataset ingests), 64 in flight, 60 s, embedded then distributed (ports 7470-7479): throughput, p50/p99, errors (must be 0), memory (must plateau) in bench/results/load-<date>.md; LOAD_SECONDS= LOAD_ONLY=embedded|distributed LOAD_CONCURRENCY= LOAD_MIX= TALLY_TOKEN= (scripts/load.sh)
	@bash scripts/load.sh

soak: ## the load run for longer (LOAD_SECONDS=1800, 120 s warm-up by default); results in bench/results/soak-<date>.md
	@LOAD_MODE=soak bash scripts/load.sh

interop-server: ## start the gRPC interop test server in the foreground on 127.0.0.1 (PORT=7450)
	@test -d $(INTEROP) || { echo "make interop-server: $(INTEROP) does not exist yet"; exit 1; }
	$(DOTNET) run -c Release --project $(INTEROP) -- --port $(PORT)

infra-up: ## start the throwaway test servers (Redis 6390, RabbitMQ 5682, PostgreSQL 5439); env in /tmp/tally-infra/env
	@bash scripts/infra-up.sh

infra-down: ## stop the throwaway test servers
	@bash scripts/infra-down.sh

up: ## distributed mode: Redis, RabbitMQ, PostgreSQL, then the four services as processes (query on 127.0.0.1:7400); scripts/up.sh lists the variables
	@bash scripts/up.sh

down: ## stop everything `make up` started, by PID (logs stay in /tmp/tally-up/logs)
	@bash scripts/down.sh

clean: ## delete build output (bin/ obj/ of every project) and artifacts/
	@find . -name '*.csproj' -not -path './tests/interop-node/*' -not -path '*/node_modules/*' -print0 \
	  | while IFS= read -r -d '' p; do d=$$(dirname "$$p"); rm -rf "$$d/bin" "$$d/obj"; done
	rm -rf artifacts

restore-check: ## restore from the registry into an empty package folder: proves every pinned version is served
	@dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	  echo "restoring Platform.sln into empty NUGET_PACKAGES=$$dir (no HTTP cache)"; \
	  NUGET_PACKAGES=$$dir $(DOTNET) restore Platform.sln --no-http-cache --force --disable-build-servers \
	  && echo "restore-check: every package restored from the registry"

# ---- deployment artefacts (deploy/, helm/tally, k8s/; docs/operations.md)
IMAGE_PREFIX ?= tally-
IMAGE_TAG    ?= $(shell awk '/^appVersion:/ {gsub(/"/, "", $$2); print $$2}' helm/tally/Chart.yaml)
IMAGES       := allinone query ingestion definitions citations

.PHONY: images check-deploy

images: ## build the container images tally-<service>:<appVersion> where a Docker engine answers (IMAGE_PREFIX= IMAGE_TAG=)
	@if ! command -v docker >/dev/null; then echo "make images: docker is not installed; nothing built (make check-deploy checks the Dockerfile offline)"; exit 0; fi; \
	if ! docker info >/dev/null 2>&1; then echo "make images: no Docker engine answers here (docker info failed); nothing built (make check-deploy checks the Dockerfile offline)"; exit 0; fi; \
	for t in $(IMAGES); do \
	  echo "make images: $(IMAGE_PREFIX)$$t:$(IMAGE_TAG)"; \
	  DOCKER_BUILDKIT=1 docker build -f deploy/docker/Dockerfile --target $$t --build-arg VERSION=$(IMAGE_TAG) \
	    -t $(IMAGE_PREFIX)$$t:$(IMAGE_TAG) . || exit 1; \
	done

check-deploy: ## offline checks of Dockerfile, Helm chart, kustomize overlays, dashboards and alerts (scripts/check-deploy.sh)
	@bash scripts/check-deploy.sh
