using System.Diagnostics;

namespace Detector.Evidence.Internal;

/// <summary>Thrown by <see cref="WorkBudget.Check"/> when an extractor ran out of time; caught by the analyzer.</summary>
internal sealed class WorkBudgetExceededException : Exception
{
    public WorkBudgetExceededException()
        : base("The extractor's work budget was exceeded.")
    {
    }
}

/// <summary>
/// Cooperative time budget of one extractor. Parsers call <see cref="Check"/> in every loop over untrusted structure,
/// so no input can keep an extractor busy past its deadline by more than one loop step.
/// </summary>
internal sealed class WorkBudget
{
    private readonly long _deadlineTimestamp;
    private int _counter;

    public WorkBudget(TimeSpan timeout)
    {
        long ticks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _deadlineTimestamp = Stopwatch.GetTimestamp() + Math.Max(1, ticks);
    }

    /// <summary>A budget that never runs out (for the fuzz harness and tests of single parsers).</summary>
    public static WorkBudget Unlimited => new(TimeSpan.FromDays(1));

    public bool IsExceeded => Stopwatch.GetTimestamp() > _deadlineTimestamp;

    /// <summary>Throws <see cref="WorkBudgetExceededException"/> once the deadline has passed (the clock is read every 64 calls).</summary>
    public void Check()
    {
        if ((++_counter & 63) == 0 && IsExceeded)
        {
            throw new WorkBudgetExceededException();
        }
    }

    /// <summary>Reads the clock now; for loops whose steps are expensive.</summary>
    public void CheckNow()
    {
        if (IsExceeded)
        {
            throw new WorkBudgetExceededException();
        }
    }
}
