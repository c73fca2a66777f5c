package io.shardflow.standalone;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.shardflow.worker.lanes.ShardTaskListener;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * The admin dashboard in a real browser (Debian's Chromium, headless, driven by Playwright): a job reaches
 * SUCCEEDED on the page without a reload, a running job is cancelled from its page, and a failed job shows its
 * reason. Screenshots of the main pages go to {@code target/screenshots}.
 */
class DashboardIT {
    private static final Path SHOTS = Paths.get("target", "screenshots");
    private static Playwright playwright;
    private static Browser browser;
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);
    private final String base = api.base();

    @BeforeAll
    static void browser() {
        playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(Paths.get("/usr/bin/chromium"))
                        .setHeadless(true)
                        .setArgs(List.of(
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync")));
    }

    @AfterAll
    static void close() {
        browser.close();
        playwright.close();
    }

    private Page page() {
        var page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 800));
        page.setDefaultTimeout(30_000);
        return page;
    }

    @Test
    void aJobReachesSucceededOnTheListWithoutAReload() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard",
                Fixtures.randomTable(91, 40, List.of("a", "b")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(92, 2, 3).linearRequest("dashboard")));
        var page = page();
        page.navigate(base + "/");

        String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a", "b"), 2)));

        assertThat(page.locator("tr[data-job='" + jobId + "'] .status")).hasText("SUCCEEDED");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("jobs.png")));
        page.navigate(base + "/jobs/" + jobId);
        assertThat(page.locator("#job-status")).hasText("SUCCEEDED");
        assertThat(page.locator(".cell.DONE")).hasCount(2);
        page.screenshot(
                new Page.ScreenshotOptions().setPath(SHOTS.resolve("job.png")).setFullPage(true));
        page.navigate(base + "/workers");
        assertThat(page.locator("tbody tr").first()).containsText(" / 2");
        assertThat(page.locator("tbody tr").first()).containsText("ago");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("workers.png")));
        page.navigate(base + "/models");
        assertThat(page.locator("body")).containsText("dashboard");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("models.png")));
        page.close();
    }

    @Test
    void aRunningJobIsCancelledFromItsPage() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard-cancel",
                Fixtures.randomTable(93, 40, List.of("a")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(94, 1, 1).linearRequest("cancel me")));
        var lanes = platform.context()
                .getBean(KafkaListenerEndpointRegistry.class)
                .getListenerContainer(ShardTaskListener.LISTENER_ID);
        lanes.stop();
        try {
            String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a"), 2)));
            var page = page();
            page.navigate(base + "/jobs/" + jobId);
            assertThat(page.locator("#job-status")).hasText("RUNNING");
            page.onDialog(dialog -> dialog.accept());

            page.locator("button[data-action=cancel]").click();

            assertThat(page.locator("#job-status")).hasText("CANCELLED");
            assertThat(page.locator(".timeline")).containsText("cancelled by request");
            page.close();
        } finally {
            lanes.start();
        }
    }

    @Test
    void deadLettersAreCountedInspectedAndReplayed() throws Exception {
        String key = "dashboard-poison-" + UUID.randomUUID();
        var props = new java.util.Properties();
        props.put(
                "bootstrap.servers", platform.context().getEnvironment().getProperty("spring.kafka.bootstrap-servers"));
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                props,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            "shardflow.job-requests", key, "definitely not an event".getBytes()))
                    .get();
        }
        var page = page();
        page.navigate(base + "/queues?inspect=shardflow.job-requests");
        // the listener dead-letters the record within a few seconds; reload until it is there
        for (int i = 0;
                i < 30
                        && page.locator("tr.letter", new Page.LocatorOptions().setHasText(key))
                                        .count()
                                == 0;
                i++) {
            page.waitForTimeout(500);
            page.reload();
        }
        var row = page.locator("tr.letter", new Page.LocatorOptions().setHasText(key));
        assertThat(row).hasCount(1);
        assertThat(row).containsText("not a CloudEvent");
        assertThat(page.locator("tr[data-topic='shardflow.job-requests'] td").nth(3))
                .not()
                .hasText("—");
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("queues.png"))
                .setFullPage(true));
        page.onDialog(dialog -> dialog.accept());

        row.locator("button").click();

        // replayed onto its topic, it fails again and comes back as a second dead letter
        for (int i = 0;
                i < 30
                        && page.locator("tr.letter", new Page.LocatorOptions().setHasText(key))
                                        .count()
                                < 2;
                i++) {
            page.waitForTimeout(500);
            page.reload();
        }
        assertThat(page.locator("tr.letter", new Page.LocatorOptions().setHasText(key)))
                .hasCount(2);
        page.close();
    }

    @Test
    void aFailedJobShowsItsReason() {
        String datasetId = created(api.postCsv("/api/v1/datasets?name=dashboard-failed", "x,y\n1,2\n"));
        var jobId = Fixtures.unplannableJob(platform, datasetId, List.of("x", "y"));
        Fixtures.awaitStatus(api, jobId.toString(), "FAILED");
        var page = page();

        page.navigate(base + "/?status=FAILED");
        page.locator("tr[data-job='" + jobId + "'] a").click();

        assertThat(page.locator("#job-error")).containsText("does not exist");
        assertThat(page.locator("button[data-action=retry]")).isVisible();
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("failed-job.png")));
        page.close();
    }
}
