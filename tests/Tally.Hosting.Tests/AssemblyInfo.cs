// One test sets Tally__Host__* environment variables, which every host built meanwhile would read.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
