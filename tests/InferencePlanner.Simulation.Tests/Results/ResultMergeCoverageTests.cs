using System.Collections;
using System.Reflection;
using System.Text.Json;
using InferencePlanner.Simulation.Results;

namespace InferencePlanner.Simulation.Tests.Results;

/// <summary>
/// Every figure of every result type is merged over replications, whatever is added to the types later: two
/// replications are filled, figure by figure, with different values (the figures that name or size a pool, the
/// same in each), and each merged figure must be their sum, mean or maximum — never the first replication's
/// value, nor a default left in place.
/// </summary>
public sealed class ResultMergeCoverageTests
{
    // Figures that describe what was simulated rather than measure it: equal in every replication of one model.
    private static readonly HashSet<string> Identity = new(StringComparer.Ordinal)
    {
        nameof(PoolResult.Name), nameof(PoolResult.Device), nameof(PoolResult.Region), nameof(PoolResult.Servers), nameof(PoolResult.DevicesPerServer), nameof(PoolResult.Edge),
        nameof(PoolResult.CapacityPerSecond), nameof(LlmPoolResult.KvCapacityTokensPerReplica), nameof(ClassResult.SloLatencyMs),
        nameof(SimulationResult.Seed), nameof(SimulationResult.Stable), nameof(SimulationResult.Reason),
        nameof(SimulationResult.OfferedLoadPerSecond), nameof(SimulationResult.SloMet), nameof(BatchShare.Size), nameof(CdfPoint.Fraction),
    };

    // Merged by rules of their own, checked below: the replication count, the time series (the first path), the half-widths.
    private static readonly HashSet<string> OwnRule = new(StringComparer.Ordinal)
    {
        nameof(SimulationResult.Replications), nameof(SimulationResult.TimeSeries), nameof(SimulationResult.Ci95), nameof(SimulationResult.ClosedForm),
    };

    public static TheoryData<string> Types => new(nameof(SimulationResult), nameof(PoolResult), nameof(LlmPoolResult), nameof(ClassResult), nameof(LatencySummary));

    [Theory]
    [MemberData(nameof(Types))]
    public void Merge_OfTwoReplications_SumsAveragesOrMaximizesEveryFigure(string type)
    {
        var (a, b, merged) = type switch
        {
            nameof(SimulationResult) => Merged<SimulationResult>(SimulationResult.Merge),
            nameof(PoolResult) => Merged<PoolResult>(PoolResult.Merge),
            nameof(LlmPoolResult) => Merged<LlmPoolResult>(LlmPoolResult.Merge),
            nameof(ClassResult) => Merged<ClassResult>(ClassResult.Merge),
            _ => Merged<LatencySummary>(LatencySummary.Merge),
        };

        AssertMerged(a, b, merged, type);
    }

    [Fact]
    public void Merge_SimulationResult_CountsTheReplications_KeepsTheFirstSeries_AndGivesHalfWidths()
    {
        var a = (SimulationResult)Fill(typeof(SimulationResult), new Random(1));
        var b = (SimulationResult)Fill(typeof(SimulationResult), new Random(2));

        var merged = SimulationResult.Merge([a, b]);

        Assert.Equal(2, merged.Replications);
        Assert.Same(a.TimeSeries, merged.TimeSeries);
        Assert.Same(a.ClosedForm, merged.ClosedForm);
        Assert.NotNull(merged.Ci95);
        // Two values x, y: s = |x − y| / √2, so the half-width is t(0.975, 1) · |x − y| / 2.
        var t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, 1, 0.975);
        Assert.True(Near(merged.Ci95!.P99LatencyMs, t * Math.Abs(a.LatencyMs.P99 - b.LatencyMs.P99) / 2));
        Assert.True(Near(merged.Ci95.P99TtftMs!.Value, t * Math.Abs(a.TtftMs!.P99 - b.TtftMs!.P99) / 2));
    }

    private static (object A, object B, object Merged) Merged<T>(Func<IReadOnlyList<T>, T> merge)
        where T : class
    {
        var a = (T)Fill(typeof(T), new Random(1));
        var b = (T)Fill(typeof(T), new Random(2));
        return (a, b, merge([a, b]));
    }

    /// <summary>Each measured figure is a sum, mean or maximum of the two; nested results and lists are checked item by item.</summary>
    private static void AssertMerged(object a, object b, object merged, string path)
    {
        foreach (var property in merged.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            if (OwnRule.Contains(property.Name) || property.GetMethod!.IsStatic)
            {
                continue;
            }

            var name = $"{path}.{property.Name}";
            var (x, y, m) = (property.GetValue(a), property.GetValue(b), property.GetValue(merged));
            switch (m)
            {
                case null:
                    Assert.True(x is null, $"{name}: not merged (null)");
                    break;
                case double or long or int:
                    var (vx, vy, vm) = (Number(x), Number(y), Number(m));
                    if (Identity.Contains(property.Name))
                    {
                        Assert.True(vm == vx, $"{name}: {vm} is not the replications' common value {vx}");
                    }
                    else
                    {
                        Assert.True(vx != vy, $"{name}: the test should fill the two replications differently");
                        Assert.True(Near(vm, vx + vy) || Near(vm, (vx + vy) / 2) || Near(vm, Math.Max(vx, vy)),
                            $"{name}: {vm} is neither the sum, the mean nor the maximum of {vx} and {vy}");
                    }

                    break;
                case string or bool:
                    Assert.Equal(x, m);
                    break;
                case IList list:
                    var (lx, ly) = ((IList)x!, (IList)y!);
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is double item)
                        {
                            Assert.True(Near(item, ((double)lx[i]! + (double)ly[i]!) / 2), $"{name}[{i}]: not the mean");
                        }
                        else
                        {
                            AssertMerged(lx[i]!, ly[i]!, list[i]!, $"{name}[{i}]");
                        }
                    }

                    break;
                default:
                    AssertMerged(x!, y!, m, name);
                    break;
            }
        }
    }

    private static double Number(object? value) => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

    private static bool Near(double actual, double expected) => Math.Abs(actual - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected));

    /// <summary>A result with every figure set: measured figures drawn at random, identity figures fixed.</summary>
    private static object Fill(Type type, Random random)
    {
        if (type == typeof(LatencySummary))
        {
            return new LatencySummary(Draw(random), Draw(random), Draw(random), Draw(random), Draw(random), Draw(random), Draw(random));
        }

        var instance = type.GetConstructors().First().GetParameters().Length == 0
            ? Activator.CreateInstance(type)!
            : throw new InvalidOperationException($"{type.Name}: no parameterless constructor");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            if (type == typeof(SimulationResult) && property.Name is nameof(SimulationResult.Reason) or nameof(SimulationResult.CapacityPerSecond) or nameof(SimulationResult.OfferedLoadPerSecond))
            {
                continue; // a stable run has none: they say why a run was not stable
            }

            var identity = Identity.Contains(property.Name);
            object? value = property.PropertyType switch
            {
                var t when t == typeof(double) || t == typeof(double?) => identity ? 7.0 : Draw(random),
                var t when t == typeof(long) => identity ? 7L : (long)Draw(random),
                var t when t == typeof(int) => identity ? 7 : (int)Draw(random),
                var t when t == typeof(bool) => true,
                var t when t == typeof(bool?) => true,
                var t when t == typeof(string) => "same",
                var t when t == typeof(LatencySummary) => Fill(t, random),
                var t when t == typeof(LlmPoolResult) => Fill(t, random),
                var t when t == typeof(IReadOnlyList<PoolResult>) => new[] { (PoolResult)Fill(typeof(PoolResult), random) },
                var t when t == typeof(IReadOnlyList<ClassResult>) => new[] { (ClassResult)Fill(typeof(ClassResult), random) },
                var t when t == typeof(IReadOnlyList<BatchShare>) => new[] { new BatchShare(3, Draw(random)) },
                var t when t == typeof(IReadOnlyList<CdfPoint>) => new[] { new CdfPoint(Draw(random), 0.5) },
                var t when t == typeof(IReadOnlyList<double>) => new[] { Draw(random), Draw(random) },
                var t when t == typeof(TimeSeries) => new TimeSeries { IntervalSeconds = 1, StartSeconds = [0], ArrivalsPerSecond = [1], CompletionsPerSecond = [1], MeanLatencyMs = [1], Utilization = [0.5], MeanQueueLength = [0] },
                var t when t == typeof(Ci95) => null,
                var t when t == typeof(InferencePlanner.Simulation.Engine.ClosedFormEstimate) => new InferencePlanner.Simulation.Engine.ClosedFormEstimate { Name = "M/M/1", Exact = true, Basis = "same", MeanWaitMs = 7 },
                var t => throw new InvalidOperationException($"{type.Name}.{property.Name}: the test does not know how to fill a {t.Name}; teach it, and its merge"),
            };
            property.SetValue(instance, value);
        }

        return instance;
    }

    private static double Draw(Random random) => Math.Round(1 + (random.NextDouble() * 1000), 3);

    [Fact]
    public void Merge_OfOneReplication_IsThatReplication()
    {
        var one = (SimulationResult)Fill(typeof(SimulationResult), new Random(3));

        Assert.Equal(JsonSerializer.Serialize(one with { Replications = 1 }), JsonSerializer.Serialize(SimulationResult.Merge([one])));
    }
}
