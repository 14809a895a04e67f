# seedbed tasks. `make help` lists them. Every target installs dependencies first if needed,
# so `make seed` and `make test` work straight after cloning.
.DEFAULT_GOAL := help
TSX := node --conditions=seedbed-source --import tsx tasks.ts

.PHONY: help deps seed fresh plan validate status test typecheck bench clean-db

help: ## List the targets
	@grep -hE '^[a-zA-Z%_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json ## Install dependencies (npm ci) when package-lock.json changed

seed: deps ## Apply the example schema (idempotent) and run every seed
	$(TSX) seed --apply-schema

seed-%: deps ## Run one seed and what it depends on, e.g. make seed-users
	$(TSX) seed --apply-schema --only $*

fresh: deps ## Drop the public schema, apply the schema files, seed
	$(TSX) fresh

plan: deps ## Print the dependency levels (no database needed)
	$(TSX) plan

validate: deps ## Run only the seeds' validate functions
	$(TSX) validate

status: deps ## Last runs from the ledger; per seed, last success and whether its file changed
	$(TSX) status

test: deps ## Type-check and run the test suite
	npm test

bench: deps ## COPY benchmark: 1M rows by each method vs psql \copy (ROWS=..., RUNS=...)
	npm run bench -- --rows $(or $(ROWS),1000000) --runs $(or $(RUNS),1)

typecheck: deps ## Type-check seeds, lib and tests
	npx tsc --noEmit

clean-db: ## Delete the embedded PostgreSQL's data folder
	rm -rf .seedbed
