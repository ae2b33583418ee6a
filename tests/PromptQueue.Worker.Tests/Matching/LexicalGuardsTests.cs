using PromptQueue.Worker.Matching;

namespace PromptQueue.Worker.Tests.Matching;

public class LexicalGuardsTests
{
    [Theory]
    [InlineData("Deploy AMF with 3 replicas", "Deploy AMF with 5 replicas", false)]
    [InlineData("Deploy AMF with 3 replicas", "deploy amf with three replicas", false)]
    [InlineData("Set the timeout to 30.0 seconds", "Set the timeout to 30 seconds", true)]
    [InlineData("Summarize the Q3 report", "Summarize the Q4 report", false)]
    [InlineData("How do I reset my password?", "How can I reset my password?", true)]
    [InlineData("Convert 3 kilometres to 5 miles", "Convert 5 kilometres to 3 miles", false)]
    [InlineData("Keycloak logs users out after a 30-minute idle session.", "The idle session timeout is 30 hours.", false)]
    [InlineData("Set the timeout to 30 seconds.", "Make the timeout 30 s.", true)]
    [InlineData("Limit uploads to 10 MB.", "Limit uploads to 10 GB.", false)]
    [InlineData("Cache it for 5 minutes.", "Keep 5 entries in the cache.", true)]
    public void Numbers_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SameNumbers(a, b));

    [Theory]
    [InlineData("Is this transaction fraudulent?", "Is this transaction not fraudulent?", false)]
    [InlineData("Why can't I log in?", "Why am I not able to log in?", true)]
    [InlineData("What do male students usually buy?", "What do female students usually buy?", false)]
    [InlineData("How can hemangioma of the skin be treated?", "How can hemangioma of the skin be prevented?", false)]
    [InlineData("What must Ecuador do to win against France?", "What must France do to win against Ecuador?", false)]
    [InlineData("What must Ecuador do to win against France?", "How can Ecuador win against France?", true)]
    [InlineData("Why is my invoice higher than last month?", "Why is my invoice lower than last month?", false)]
    [InlineData("How do I add a user?", "How do I remove a user?", false)]
    [InlineData("How do I add a user?", "How can I add a new user?", true)]
    [InlineData("Transfer 200 dollars from checking to savings.", "Transfer 200 dollars from savings to checking.", false)]
    [InlineData("Convert 3 kilometres to miles.", "Convert 3 miles to kilometres.", false)]
    [InlineData("Migrate the table from MySQL to PostgreSQL.", "Move the table from MySQL over to PostgreSQL.", true)]
    [InlineData("What is the best way to learn Python?", "How to learn Python?", true)]
    [InlineData("Find flights from Boston to Denver.", "Find flights from Denver to Boston.", false)]
    [InlineData("Is India afraid of China?", "Why is China afraid of India?", false)]
    [InlineData("What is the capital of France?", "Which city is the capital of France?", true)]
    [InlineData("When no version is given, the installer downloads the latest release.", "When no version is given, the installer fails instead of downloading the latest release.", false)]
    [InlineData("Why does my build fail?", "Why is my build failing?", true)]
    [InlineData("The cron job skips weekends.", "The cron job does not run on weekends.", true)]
    [InlineData("The ticket has no owner and no deadline.", "The ticket has no owner, so it does have a deadline.", false)]
    [InlineData("Who approves the refund?", "When is the refund approved?", false)]
    [InlineData("Where can I download my invoices?", "Where do I get my invoices?", true)]
    [InlineData("How do I convert a string to an integer in Go?", "How do I turn an integer into a string in Go?", false)]
    [InlineData("How do I convert a string to an integer in Go?", "How can I turn a string into an integer in Go?", true)]
    public void Polarity_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SamePolarity(a, b));

    [Theory]
    [InlineData("Is the API available in the EU region?", "Is the API available in the US region?", false)]
    [InlineData("How do I enable dark mode on iOS?", "How do I enable dark mode on Android?", false)]
    [InlineData("What is the capital of France?", "Which city is the capital of France?", true)]
    [InlineData("Reset my password. It expired.", "Please reset my password. It has expired.", true)]
    [InlineData("How do I learn Python?", "What is the best way to learn python?", true)]
    [InlineData("Does the Pro plan include API access?", "Is API access included in the Pro plan?", true)]
    public void Named_entities_must_agree(string a, string b, bool same) => Assert.Equal(same, LexicalGuards.SameEntities(a, b));
}
