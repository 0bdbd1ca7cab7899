using System.Text.Json;
using InferencePlanner.Core.Llm;
using InferencePlanner.Core.Scenarios;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace InferencePlanner.Web.Components.Editors;

public partial class GenerativeEditor
{
    /// <summary>The model picker's entry for a config given by its keys.</summary>
    internal const string Custom = "(config.json)";

    /// <summary>A config.json is a few kilobytes; larger is not one.</summary>
    internal const long MaxConfigBytes = 1_048_576;

    /// <summary>The pool edited: its index in the draft's pools.</summary>
    [Parameter]
    public int Index { get; set; } = -1;

    private bool ShowConfig { get; set; }
    private string? ConfigText { get; set; }
    private string? ConfigError { get; set; }

    private static string ModelChoice(LlmSpec llm) => llm.Model?.Inline is not null ? Custom : llm.Model?.Name ?? string.Empty;

    /// <summary>The pool's serving settings as edited from the draft <paramref name="rendered"/> drew them from.</summary>
    private Task Set(Scenario rendered, LlmSpec llm)
    {
        var pools = rendered.Pools!.ToList();
        pools[Index] = pools[Index] with { Llm = llm };
        return Edit(rendered, rendered with { Pools = pools });
    }

    /// <summary>A pasted config.json: its keys become the pool's inline model; a broken one is named and changes nothing.</summary>
    internal async Task PasteConfigAsync(string? text)
    {
        ConfigText = text;
        ConfigError = null;
        if (string.IsNullOrWhiteSpace(text) || Draft is not { } draft || draft.Pools?[Index].Llm is not { } llm)
        {
            return;
        }

        try
        {
            var config = LlmModels.ParseConfig(text, $"$.pools[{Index}].llm.model");
            await Set(draft, llm with { Model = new LlmModelSpec { Inline = config } });
        }
        catch (ScenarioException ex)
        {
            ConfigError = $"{ex.Message} — nothing was changed";
        }
    }

    private async Task UploadConfigAsync(IBrowserFile? file)
    {
        ConfigError = null;
        if (file is null)
        {
            return;
        }

        if (file.Size > MaxConfigBytes)
        {
            ConfigError = $"{file.Name}: {file.Size:N0} bytes is not a config.json (a few kilobytes) — nothing was changed";
            return;
        }

        using var reader = new StreamReader(file.OpenReadStream(MaxConfigBytes));
        await PasteConfigAsync(await reader.ReadToEndAsync());
    }
}
