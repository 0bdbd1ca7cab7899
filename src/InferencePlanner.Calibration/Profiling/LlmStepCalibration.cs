using System.Diagnostics;
using InferencePlanner.Calibration.Models;
using InferencePlanner.Core.Llm;
using MathNet.Numerics.LinearRegression;
using Microsoft.ML.OnnxRuntime;

namespace InferencePlanner.Calibration.Profiling;

/// <summary>
/// Measures the llm-block's prefill steps (one sequence, a chunk of new tokens) and decode steps (a batch of
/// sequences, one new token each after a cached context) live with ONNX Runtime, and fits
/// time = overhead + a·tokens + b·query-key pairs over them: the step model of generative pools on this machine.
/// </summary>
public static class LlmStepCalibration
{
    /// <summary>(batch, new tokens, cached tokens) of the measured steps.</summary>
    public static readonly (int Batch, int Tokens, int Past)[] DefaultSteps =
    [
        (1, 32, 0), (1, 128, 0), (1, 384, 0),
        (1, 1, 256), (4, 1, 256), (16, 1, 256), (4, 1, 1024), (16, 1, 1024),
    ];

    public static LlmMeasuredSteps Measure(LlmBlockConfig config, int threads, IReadOnlyList<(int Batch, int Tokens, int Past)>? steps = null, int runs = 5, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        steps ??= DefaultSteps;
        var model = ModelZoo.LlmBlock(config);
        var (session, _) = OrtSessionFactory.Create(model.Proto, threads);
        var x = new List<double[]>();
        var y = new List<double>();
        using (session)
        {
            foreach (var (batch, tokens, past) in steps)
            {
                cancellation.ThrowIfCancellationRequested();
                using var inputs = new InputSet(session, config.Shapes(batch, tokens, past));
                using var options = new RunOptions();
                var times = new List<double>();
                for (var r = 0; r <= runs; r++)
                {
                    var start = Stopwatch.GetTimestamp();
                    using (session.Run(options, inputs.Names, inputs.Values, session.OutputNames))
                    {
                        if (r > 0)
                        {
                            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        }
                    }
                }

                times.Sort();
                // Query-key pairs as the engine counts them: a chunk attends to the past and to itself (causally),
                // a decoding sequence to its cached context.
                var pairs = tokens == 1 ? (double)batch * past : batch * tokens * (past + ((tokens + 1) / 2.0));
                x.Add([batch * (double)tokens, pairs]);
                y.Add(times[times.Count / 2]);
            }
        }

        var coefficients = MultipleRegression.NormalEquations(x.ToArray(), y.ToArray(), intercept: true);
        var predicted = x.Select(row => coefficients[0] + (coefficients[1] * row[0]) + (coefficients[2] * row[1]));
        var r2 = MathNet.Numerics.GoodnessOfFit.RSquared(predicted, y);
        return new LlmMeasuredSteps(coefficients[0], coefficients[1], coefficients[2], r2, config.Layers, config.Hidden,
            config.Layers * ((4.0 * config.Hidden * config.Hidden) + (3.0 * config.Hidden * config.FeedForward)), x.Count);
    }
}
