using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class ScenarioCommandTests
{
    private static string Scenario(string name) => Path.Combine(RepositoryPaths.Root, "data", "scenarios", name);

    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    public static TheoryData<string> Shipped =>
        new(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "data", "scenarios"), "*.json").Select(Path.GetFileName).Order().Cast<string>());

    [Theory]
    [InlineData("--seed", "abc", "--seed: 'abc' is not a whole number")]
    [InlineData("--replications", "2.5", "--replications: '2.5' is not a whole number")]
    public void Simulate_AnOptionOfTheWrongType_IsSaidInWords(string option, string value, string message)
    {
        // It used to print "as expected type 'System.Nullable`1[System.Int64]'".
        var (code, _, stderr) = Run("simulate", Scenario("mm4-erlang-c.json"), option, value);

        Assert.Equal(CliApp.InvalidInput, code);
        Assert.Contains($"error: {message}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_TenBillionQueries_IsRefusedAboveTheDashboardsLimit_UnlessToldNoLimit()
    {
        // It used to start, silently, a run of days.
        var (code, stdout, stderr) = Run("simulate", Scenario("mm4-erlang-c.json"), "--queries", "10000000000");

        Assert.Equal(CliApp.InvalidInput, code);
        Assert.Empty(stdout);
        Assert.Contains("error: --queries: 10,000,050,000 queries × 1 replications is over the limit of 20,000,000 queries a run (give --no-limit to run it anyway", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_NoLimit_RunsBeyondTheLimit()
    {
        // 40 days is past the 31-day span a run may simulate unasked; at one query a minute it is cheap to run when told.
        var file = Path.Combine(Path.GetTempPath(), $"forty-days-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            {
              "name": "forty days, one query a minute",
              "seed": 3,
              "horizon": { "seconds": 3456000 },
              "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 0.0166667 } },
              "pools": [ { "name": "one", "count": 1, "service": { "distribution": "exponential", "meanMs": 100 } } ]
            }
            """);
        try
        {
            var (refused, _, why) = Run("simulate", file);
            var (code, stdout, stderr) = Run("simulate", file, "--no-limit");

            Assert.Equal(CliApp.InvalidInput, refused);
            Assert.Contains("$.horizon.seconds: 3,456,000 s (with warm-up) is over the limit of 2,678,400 s", why, StringComparison.Ordinal);
            Assert.True(code == 0, stderr);
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal(1, json.RootElement.GetProperty("replications").GetInt32());
            Assert.Contains("simulating: 100 %", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Validate_EveryShippedScenario_PrintsNothing(string file)
    {
        var (code, stdout, stderr) = Run("validate", Scenario(file));

        Assert.Equal(0, code);
        Assert.Empty(stdout);
        Assert.Empty(stderr);
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Simulate_EveryShippedScenario_IsStableAndAccountsForEveryQuery(string file)
    {
        var (code, stdout, _) = Run("simulate", Scenario(file), "--queries", "20000", "--quiet");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("stable").GetBoolean());
        Assert.Equal(
            root.GetProperty("arrivals").GetInt64(),
            root.GetProperty("completed").GetInt64() + root.GetProperty("rejected").GetInt64() + root.GetProperty("abandoned").GetInt64());
    }

    [Fact]
    public void Simulate_Mm4_PrintsTheContractFields()
    {
        var (code, stdout, stderr) = Run("simulate", Scenario("mm4-erlang-c.json"), "--queries", "100000", "--seed", "3", "--replications", "4");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        foreach (var field in new[] { "stable", "completed", "rejected", "abandoned", "throughputPerSecond", "utilization", "probabilityOfWait", "rejectionProbability", "meanBatchSize", "waitMs", "latencyMs", "pools", "ci95" })
        {
            Assert.True(root.TryGetProperty(field, out _), $"missing '{field}'");
        }

        foreach (var field in new[] { "mean", "p50", "p90", "p95", "p99", "p999", "max" })
        {
            Assert.True(root.GetProperty("latencyMs").TryGetProperty(field, out _), $"missing latencyMs.{field}");
        }

        Assert.Equal(4, root.GetProperty("replications").GetInt32());
        Assert.Equal(3, root.GetProperty("seed").GetInt64());
        Assert.Equal("servers", root.GetProperty("pools")[0].GetProperty("name").GetString());
        Assert.Contains("simulating: 100 %", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_GenerativeWithReplications_PrintsTtftTpotAndTokens_WithHalfWidths()
    {
        var (code, stdout, _) = Run("simulate", Scenario("llm-chatbot-h100.json"), "--replications", "3", "--queries", "3000", "--quiet");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("ttftMs").GetProperty("p99").GetDouble() > 0);
        Assert.True(root.GetProperty("tpotMs").GetProperty("p99").GetDouble() > 0);
        Assert.True(root.GetProperty("outputTokensPerSecond").GetDouble() > 0);
        var ci = root.GetProperty("ci95");
        Assert.True(ci.GetProperty("p99TtftMs").GetDouble() > 0);
        Assert.True(ci.GetProperty("p99TpotMs").GetDouble() > 0);
        Assert.True(ci.GetProperty("outputTokensPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Simulate_SameSeedTwice_PrintsTheSameBytes()
    {
        var a = Run("simulate", Scenario("chatbot-h100.json"), "--queries", "50000", "-q", "-r", "3");
        var b = Run("simulate", Scenario("chatbot-h100.json"), "--queries", "50000", "-q", "-r", "3");

        Assert.Equal(a.Stdout, b.Stdout);
    }

    [Fact]
    public void Simulate_Overloaded_PrintsUnstableWithTheCapacity()
    {
        using var file = TempScenario("""
            { "horizon": { "queries": 1000000 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 300 } },
              "pools": [ { "name": "small", "count": 2, "service": { "distribution": "exponential", "meanMs": 10 } } ] }
            """);

        var (code, stdout, stderr) = Run("simulate", file.Path, "-q");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        Assert.False(json.RootElement.GetProperty("stable").GetBoolean());
        Assert.Equal(200, json.RootElement.GetProperty("capacityPerSecond").GetDouble(), 9);
        Assert.Contains("small", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": -1 } }, "pools": [ { "name": "p", "count": 1, "service": { "distribution": "exponential", "meanMs": 1 } } ] }""", "$.workload.arrivals.ratePerSecond")]
    [InlineData("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 } }, "pools": [ { "name": "p", "device": "nvidia-h100", "count": 1, "service": { "distribution": "exponential", "meanMs": 1 } } ] }""", "$.pools[0].device")]
    [InlineData("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 } }, "pools": [ { "name": "p", "count": 1, "servce": {} } ] }""", "$.pools[0].servce")]
    [InlineData("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 } }, "pools": [ { "name": "p", "count": "four", "service": { "distribution": "exponential", "meanMs": 1 } } ] }""", "$.pools[0].count")]
    [InlineData("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 } }, "pools": [ { "name": "p", "count": 1, "service": { "distribution": "exponential", "meanMs": 1 } } ]""", "$")]
    public void Validate_BadScenario_ExitsTwoNamingTheField(string json, string path)
    {
        using var file = TempScenario(json);

        var (code, stdout, stderr) = Run("validate", file.Path);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains($"error: {path}", stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Bad() => BadScenarios.Theory();

    [Theory]
    [MemberData(nameof(Bad))]
    public void EveryKindOfBadScenario_ExitsTwo_NamingTheField(string what, string document, string field)
    {
        using var file = TempScenario(document);

        foreach (var command in new[] { "validate", "simulate" })
        {
            var (code, stdout, stderr) = Run(command, file.Path);

            Assert.True(code == 2, $"{what}: {command} exited {code}: {stderr}");
            Assert.True(stderr.Contains(field + ":", StringComparison.Ordinal) || stderr.Contains(field + "[", StringComparison.Ordinal) || stderr.Contains(field + ".", StringComparison.Ordinal),
                $"{what}: {command} said {stderr}, not naming {field}");
            Assert.Equal(string.Empty, stdout);
        }
    }

    [Fact]
    public void TraceWithABadRow_ExitsTwo_NamingTheLine()
    {
        var lines = File.ReadLines(Path.Combine(RepositoryPaths.Root, "data", "traces", "azure-llm-2023-conv.csv")).Take(50).ToList();
        lines[7] = "2023-11-16 18:16:02.1,-3,12";
        var trace = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bad-trace-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(trace, lines);
        try
        {
            using var file = TempScenario(BadScenarios.Edit(n => n["workload"]!["arrivals"] = new System.Text.Json.Nodes.JsonObject { ["kind"] = "trace", ["path"] = trace }));

            var (code, _, stderr) = Run("simulate", file.Path);

            Assert.Equal(2, code);
            Assert.Contains("$.workload.arrivals.path", stderr, StringComparison.Ordinal);
            Assert.Contains(":8: ContextTokens '-3' is not a whole number", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    [Fact]
    public void Validate_UnknownDevice_SuggestsCatalogIds()
    {
        using var file = TempScenario("""{ "horizon": { "queries": 10 }, "workload": { "arrivals": { "kind": "poisson", "ratePerSecond": 1 } }, "pools": [ { "name": "p", "device": "nvidia-h100", "count": 1, "service": { "distribution": "exponential", "meanMs": 1 } } ] }""");

        var (_, _, stderr) = Run("validate", file.Path);

        Assert.Contains("nvidia-h100-sxm", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Simulate_MissingFile_ExitsTwo()
    {
        var (code, _, stderr) = Run("simulate", "/nonexistent/scenario.json");

        Assert.Equal(2, code);
        Assert.Contains("file not found", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--replications", "0")]
    [InlineData("--queries", "-5")]
    [InlineData("--seed", "-1")]
    public void Simulate_BadOption_ExitsTwoNamingIt(string option, string value)
    {
        var (code, _, stderr) = Run("simulate", Scenario("mm4-erlang-c.json"), option, value, "-q");

        Assert.Equal(2, code);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    private static TempFile TempScenario(string json)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ip-scenario-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return new TempFile(path);
    }

    private sealed class TempFile(string path) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose() => File.Delete(Path);
    }
}
