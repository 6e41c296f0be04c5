// The checks share .cache/tools and deploy/tools/node_modules, and the live tests share one all-in-one: run serially.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
