using InferencePlanner.Core.Scenarios;
using Microsoft.AspNetCore.Components;

namespace InferencePlanner.Web.Components.Editors;

/// <summary>
/// A part of the plan page's form: it shows one side of the draft scenario and hands every change back as a whole
/// new draft (the page then validates it, rewrites the document and re-runs the what-if).
/// </summary>
public abstract class DraftEditor : ComponentBase
{
    [Parameter]
    [EditorRequired]
    public Scenario? Draft { get; set; }

    [Parameter]
    public EventCallback<Scenario> OnEdit { get; set; }

    protected Task Edit(Scenario draft) => OnEdit.InvokeAsync(draft);
}
