namespace Tally.Definitions.Resolution;

/// <summary>
/// The resolver's weights, in one place so a reviewer can see what counts for how much. Positive weights are
/// evidence that the metric is the one asked about; negative ones are properties that contradict the question
/// (each also reported as a conflict). A candidate's score is the clamped sum.
/// </summary>
internal static class ResolverWeights
{
    // Phrases: the catalog's aliases and names are the strongest evidence; a gap's own question nearly as strong.
    public const double PhraseFull = 0.35;
    public const double PhrasePartial = 0.25;
    public const double GapQuestion = 0.30;
    public const double GapStrongMatch = 0.10;

    // What is counted.
    public const double Event = 0.25;
    public const double EventAlternative = 0.12;
    public const double EventRelated = 0.08;
    public const double EventMismatch = -0.20;

    // Criminality.
    public const double Criminality = 0.15;
    public const double CriminalityAlternative = 0.08;
    public const double CriminalityWider = -0.05;
    public const double CriminalityNarrower = -0.08;
    public const double CriminalityMismatch = -0.20;
    public const double CriminalityUnasked = -0.10;

    // Agency and directorate.
    public const double Agency = 0.10;
    public const double AgencyNarrower = 0.03;
    public const double AgencyWider = -0.03;
    public const double AgencyMismatch = -0.12;
    public const double DirectorateMismatch = -0.10;

    // Statistic type and period basis.
    public const double Statistic = 0.05;
    public const double StatisticMismatch = -0.20;
    public const double DifferentStatistic = -0.15;
    public const double Period = 0.05;
    public const double PeriodAmbiguous = -0.02;
    public const double PeriodMismatch = -0.06;
    public const double YearToDate = -0.03;

    // Words of the question the metric does not account for: strong when another metric does account for them.
    public const double WordElsewhere = -0.15;
    public const double WordNowhere = -0.03;
    public const double WordFloor = -0.35;

    // A subset of another metric when the question names nothing that singles the subset out.
    public const double Subset = -0.06;

    /// <summary>Candidates below this score are not listed unless a relation ties them to the top candidate.</summary>
    public const double MinScore = 0.15;
}
