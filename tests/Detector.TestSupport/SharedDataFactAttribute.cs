namespace Detector.TestSupport;

/// <summary>A fact that needs ../shared: reported as skipped, with the reason, when it is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!SharedData.IsAvailable)
        {
            Skip = SharedData.MissingMessage;
        }
    }
}

/// <summary>A theory that needs ../shared: reported as skipped, with the reason, when it is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!SharedData.IsAvailable)
        {
            Skip = SharedData.MissingMessage;
        }
    }
}
