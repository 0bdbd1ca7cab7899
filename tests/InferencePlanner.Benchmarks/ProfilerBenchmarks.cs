using BenchmarkDotNet.Attributes;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Calibration.Profiling;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Benchmarks;

/// <summary>
/// The profiler's own cost: 200 timed runs through <see cref="Profiler"/> against a bare loop of 200
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// calls on the same session and inputs.
/// </summary>
[MemoryDiagnoser]
public class ProfilerBenchmarks : IDisposable
{
    private const int Runs = 200;
    private InferenceSession _session = null!;
    private InputSet _inputs = null!;
    private IReadOnlyDictionary<string, long[]> _shapes = null!;
    private RunOptions _runOptions = null!;

    [GlobalSetup]
    public void Setup()
    {
        var model = ModelZoo.Mlp([256, 1024, 256]);
        (_session, _) = OrtSessionFactory.Create(model.Proto, threads: 1);
        _shapes = model.InputShapes(4);
        _inputs = new InputSet(_session, _shapes);
        _runOptions = new RunOptions();
    }

    [Benchmark(Baseline = true)]
    public int BareRunLoop()
    {
        for (var i = 0; i < Runs; i++)
        {
            using var results = _session.Run(_runOptions, _inputs.Names, _inputs.Values, _session.OutputNames);
        }

        return Runs;
    }

    [Benchmark]
    public int ProfilerMeasure() =>
        Profiler.MeasureInterleaved(_session, [4], _ => _shapes, new ProfilerOptions { WarmupRuns = 0, MinRuns = Runs, MaxRuns = Runs, MinSecondsPerBatch = 0 })[4].Count;

    [GlobalCleanup]
    public void Dispose()
    {
        _inputs?.Dispose();
        _session?.Dispose();
        _runOptions?.Dispose();
        GC.SuppressFinalize(this);
    }
}
