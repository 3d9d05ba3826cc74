using Detector.Evidence.Model;

namespace Detector.Evidence.Internal;

/// <summary>
/// Collects one extractor's findings: caps their number and the length of every value, so a hostile file
/// cannot make the report itself huge.
/// </summary>
internal sealed class FindingSink
{
    private readonly List<Finding> _findings = [];
    private readonly int _maxFindings;
    private readonly int _maxValueLength;
    private int _dropped;

    public FindingSink(int maxFindings, int maxValueLength)
    {
        _maxFindings = maxFindings;
        _maxValueLength = maxValueLength;
    }

    public int Count => _findings.Count;

    public int MaxValueLength => _maxValueLength;

    public void Add(string kind, FindingStrength strength, string summary, FindingLocation location, params ReadOnlySpan<(string Key, string? Value)> values)
    {
        if (_findings.Count >= _maxFindings)
        {
            // Full: a stronger finding takes the place of the last weaker one, so that a file cannot push its proof out
            // of the report with hundreds of neutral or malformed findings written before it.
            int rank = Rank(strength);
            int weaker = _findings.FindLastIndex(f => Rank(f.Strength) < rank);
            _dropped++;
            if (weaker < 0)
            {
                return;
            }

            _findings.RemoveAt(weaker);
        }

        List<FindingValue> list = new(values.Length);
        foreach ((string key, string? value) in values)
        {
            if (value is not null)
            {
                list.Add(new FindingValue(key, Clip(value)));
            }
        }

        _findings.Add(new Finding(kind, strength, Clip(summary), list, location));
    }

    public void Add(string kind, FindingStrength strength, string summary, FindingLocation location, List<(string Key, string? Value)> values)
        => Add(kind, strength, summary, location, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values));

    /// <summary>The findings, plus one neutral finding counting those dropped over the cap.</summary>
    public List<Finding> Drain(string container)
    {
        List<Finding> result = [.. _findings];
        if (_dropped > 0)
        {
            result.Add(new Finding(
                FindingKinds.InputNotExamined,
                FindingStrength.NeutralFact,
                $"{_dropped} further findings were not reported (cap of {_maxFindings} per extractor).",
                [new FindingValue("dropped", _dropped.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                FindingLocation.File(container)));
        }

        return result;
    }

    /// <summary>Proofs outrank hints, which outrank neutral facts and malformed structure.</summary>
    private static int Rank(FindingStrength strength) => strength switch
    {
        FindingStrength.ProofOfAiGeneration or FindingStrength.ProofOfAiEditing => 2,
        FindingStrength.SupportingHint => 1,
        _ => 0,
    };

    /// <summary>Cuts a value to the cap, saying how long it was; strips control characters.</summary>
    public string Clip(string value)
    {
        string printable = Bytes.Printable(value);
        if (printable.Length <= _maxValueLength)
        {
            return printable;
        }

        int cut = _maxValueLength;
        if (char.IsHighSurrogate(printable[cut - 1]))
        {
            cut--;
        }

        return string.Concat(printable.AsSpan(0, cut), $"… [cut: {printable.Length} characters in all]");
    }
}
