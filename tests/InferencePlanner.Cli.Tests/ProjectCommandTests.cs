using System.Text.Json;

namespace InferencePlanner.Cli.Tests;

public sealed class ProjectCommandTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => CliRun.Capture(args);

    [Fact]
    public void Project_PrintsTheContractFields()
    {
        var (code, stdout, _) = Run("project", "--model", "resnet50", "--device", "nvidia-l4", "--precision", "int8", "--batch", "16");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        foreach (var field in new[] { "model", "device", "precision", "batch", "latencyMs", "throughputPerSecond", "bound", "flopsPerItem", "bytesPerBatch" })
        {
            Assert.True(root.TryGetProperty(field, out _), $"missing '{field}'");
        }

        Assert.Equal(16, root.GetProperty("batch").GetInt32());
        Assert.Contains(root.GetProperty("bound").GetString(), new[] { "compute", "memory" });
        Assert.Equal(16 / (root.GetProperty("latencyMs").GetDouble() / 1000), root.GetProperty("throughputPerSecond").GetDouble(), 6);
    }

    [Fact]
    public void Project_ProfileOut_WritesAProjectedProfileOverPowersOfTwo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ip-projected-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, _) = Run("project", "--model", "bert-base", "--device", "nvidia-h100-sxm", "--batch", "12", "--profile-out", file);

            Assert.Equal(0, code);
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            Assert.Equal("projected", json.RootElement.GetProperty("kind").GetString());
            Assert.Equal([1, 2, 4, 8, 12], json.RootElement.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("batch").GetInt32()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("--device", "gpu-9000", "not a catalog device")]
    [InlineData("--precision", "fp8", "no fp8 support")]
    [InlineData("--model", "gpt-9", "neither a zoo model")]
    [InlineData("--batch", "0", "--batch")]
    public void Project_Impossible_ExitsTwoWithTheReason(string option, string value, string reason)
    {
        List<string> args = ["project", "--model", "mlp", "--device", "nvidia-t4"];
        var at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (code, stdout, stderr) = Run([.. args]);

        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_LlmPreset_ReportsDecodeTokensPerSecond()
    {
        var (code, stdout, _) = Run("project", "--model", "llama-2-70b", "--device", "nvidia-h100-sxm", "--precision", "fp8", "--batch", "64", "--tensor-parallel", "2");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("llama-2-70b", root.GetProperty("model").GetString());
        Assert.Equal("memory", root.GetProperty("bound").GetString());
        // 64 tokens per step: throughput is the batch over the step time.
        Assert.Equal(64 / (root.GetProperty("latencyMs").GetDouble() / 1000), root.GetProperty("throughputPerSecond").GetDouble(), 6);
        // One step reads the 69 GB of fp8 weights over two H100s at 80 % of 3,350 GB/s each: at least 12.9 ms.
        Assert.True(root.GetProperty("latencyMs").GetDouble() >= 69e9 / (2 * 3350e9 * 0.8) * 1000);
    }

    [Fact]
    public void Project_DimSequence_ProjectsTheEncoderAtItsEffectiveLength()
    {
        var (code, stdout, stderr) = Run("project", "--model", "bert-large", "--device", "nvidia-h100-sxm", "--batch", "8", "--dim", "sequence=170");
        var (_, padded, _) = Run("project", "--model", "bert-large", "--device", "nvidia-h100-sxm", "--batch", "8");

        Assert.True(code == 0, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        using var full = System.Text.Json.JsonDocument.Parse(padded);
        // Per sequence: 24 layers × (2 × 12 hidden² weights per token × tokens + 4 × hidden × tokens² for attention).
        static double Flops(double tokens) => 24 * ((2 * 12 * 1024.0 * 1024 * tokens) + (4 * 1024 * tokens * tokens));
        var ratio = json.RootElement.GetProperty("flopsPerItem").GetDouble() / full.RootElement.GetProperty("flopsPerItem").GetDouble();
        Assert.InRange(ratio, 0.98 * Flops(170) / Flops(384), 1.02 * Flops(170) / Flops(384));
        Assert.Contains(json.RootElement.GetProperty("assumptions").EnumerateArray(), a => a.GetString() == "sequence = 170 (set with --dim)");
    }

    [Theory]
    [InlineData("resnet50", "sequence=128", "--dim: 'sequence' is not a dimension of resnet50 (it has none to set)")]
    [InlineData("bert-base", "seq=128", "--dim: 'seq' is not a dimension of bert-base (it has: sequence)")]
    [InlineData("bert-base", "sequence=abc", "--dim: 'sequence=abc' is not NAME=VALUE with a whole number")]
    [InlineData("bert-base", "sequence=0", "--dim: sequence must be from 1 to 65,536")]
    public void Project_BadDim_IsNamed(string model, string dim, string message)
    {
        var (code, _, stderr) = Run("project", "--model", model, "--device", "nvidia-h100-sxm", "--dim", dim);

        Assert.Equal(CliApp.InvalidInput, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Project_ProfileOut_WithADim_NamesTheProfileByIt_ForScenarios()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bert-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, stderr) = Run("project", "--model", "bert-large", "--device", "nvidia-h100-sxm", "--batch", "4", "--dim", "sequence=170", "--profile-out", file);

            Assert.True(code == 0, stderr);
            var profile = System.Text.Json.JsonSerializer.Deserialize<Core.Profiles.ThroughputProfile>(File.ReadAllText(file), Core.Scenarios.ScenarioJson.Options)!;
            Assert.Equal("bert-large-nvidia-h100-sxm-fp16-sequence170", profile.Id);
            Assert.Contains("sequence 170", profile.Description, StringComparison.Ordinal);
            Assert.Contains(profile.Provenance.Assumptions!, a => a == "sequence = 170 (set with --dim)");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
