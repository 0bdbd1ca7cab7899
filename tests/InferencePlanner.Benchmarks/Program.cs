using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/InferencePlanner.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
