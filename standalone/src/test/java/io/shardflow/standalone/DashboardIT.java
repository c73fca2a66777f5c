package io.shardflow.standalone;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.shardflow.worker.lanes.Lanes;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

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

    /** A page of a new browser session, logged in with the platform's ADMIN key. */
    private Page page() {
        var page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1280, 800));
        page.setDefaultTimeout(30_000);
        page.navigate(base + "/");
        assertThat(page).hasURL(base + "/login");
        page.locator("input[name=key]").fill(String.valueOf(api.key()));
        page.locator("form button[type=submit]").click();
        // back where it was going (Spring Security marks the saved request with ?continue)
        assertThat(page).hasURL(java.util.regex.Pattern.compile("^" + base.replace(".", "\\.") + "/(\\?continue)?$"));
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
        page.navigate(base + "/jobs/" + jobId);
        assertThat(page.locator("#job-status")).hasText("SUCCEEDED");
        assertThat(page.locator(".cell.DONE")).hasCount(2);
        page.screenshot(
                new Page.ScreenshotOptions().setPath(SHOTS.resolve("job.png")).setFullPage(true));
        page.navigate(base + "/workers");
        assertThat(page.locator("tbody tr").first()).containsText(" / 2");
        assertThat(page.locator("tbody tr").first()).containsText("ago");
        page.navigate(base + "/models");
        assertThat(page.locator("body")).containsText("dashboard");
        page.close();
    }

    @Test
    void aRunningJobIsCancelledFromItsPage() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard-cancel",
                Fixtures.randomTable(93, 40, List.of("a")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(94, 1, 1).linearRequest("cancel me")));
        var lanes = platform.context().getBean(Lanes.class);
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
    void theTenantsPageShowsUseAgainstQuotaAndAnAdminSetsOne() {
        String tenant = "dash-quota-" + UUID.randomUUID().toString().substring(0, 8);
        var submitter = api.as(tenant, "SUBMITTER");
        created(submitter.postCsv(
                "/api/v1/datasets?name=quota",
                Fixtures.randomTable(95, 10, List.of("a")).csv()));
        var page = page();
        page.navigate(base + "/tenants?edit=" + tenant);
        assertThat(page.locator("input[name=tenant][required]")).hasValue(tenant);
        assertThat(page.locator("input[name=maxQueuedJobs]")).hasValue("10000");

        page.locator("input[name=maxQueuedJobs]").fill("7");
        page.locator("input[name=weight]").fill("3");
        page.locator("input[name=maxStorageBytes]").fill("1000000");
        page.locator("#quota-form form.quota button[type=submit]").first().click();

        assertThat(page.locator("#quota-saved")).containsText(tenant);
        var row = page.locator("tr[data-tenant='" + tenant + "']");
        assertThat(row.locator(".queued")).hasText("0 / 7");
        assertThat(row.locator(".weight")).hasText("3");
        assertThat(row.locator(".storage")).hasText("40 B / 1.0 MB");
        // the share chart is drawn by the page's own script (the Content-Security-Policy allows no other)
        page.waitForFunction("() => window.Chart && Chart.getChart('shares') != null");
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("tenants.png"))
                .setFullPage(true));
        var quota = api.get("/api/v1/tenants/" + tenant + "/quota").json();
        org.assertj.core.api.Assertions.assertThat(quota.get("maxQueuedJobs").asInt())
                .isEqualTo(7);
        org.assertj.core.api.Assertions.assertThat(quota.get("source").asString())
                .isEqualTo("tenant");

        page.navigate(base + "/tenants?edit=" + tenant);
        assertThat(page.locator("input[name=maxQueuedJobs]")).hasValue("7");
        page.locator("input[name=weight]").fill("0");
        page.locator("#quota-form form.quota button[type=submit]").first().click();
        assertThat(page.locator("#quota-error")).containsText("weight: must be more than 0");
        page.close();
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
        page.locator("tr[data-job='" + jobId + "'] td:first-child a").click();

        assertThat(page.locator("#job-error")).containsText("does not exist");
        assertThat(page.locator("button[data-action=retry]")).isVisible();
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("failed-job.png")));
        page.close();
    }

    @Test
    void theJobsPageCountsChartsNamesAndActsOnAFilteredSelection() {
        String tenant = "bulk-" + UUID.randomUUID().toString().substring(0, 8);
        var submitter = api.as(tenant, "SUBMITTER");
        String datasetId = created(submitter.postCsv(
                "/api/v1/datasets?name=bulk-rows",
                Fixtures.randomTable(96, 20, List.of("a", "b")).csv()));
        String modelId = created(submitter.postJson(
                "/api/v1/models", Fixtures.randomDense(97, 2, 3).linearRequest("bulk-model")));
        var admission = platform.context().getBean(io.shardflow.scheduler.admission.Admission.class);
        var ids = new java.util.ArrayList<String>();
        var page = page();
        page.onDialog(dialog -> dialog.accept());
        admission.stop();
        try {
            // their shards wait for a lane that admission, stopped, gives none of them
            for (int i = 0; i < 3; i++) {
                ids.add(created(
                        submitter.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a", "b"), 1))));
            }
            page.navigate(base + "/?q=" + tenant);
            assertThat(page.locator("tr[data-job]")).hasCount(3);
            assertThat(page.locator("tr[data-job] td.model").first()).hasText("bulk-model");
            assertThat(page.locator("tr[data-job] td.dataset").first()).hasText("bulk-rows");
            // counted anew at most every few seconds, whoever asks
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(30))
                    .pollInterval(java.time.Duration.ofSeconds(1))
                    .until(() -> {
                        page.navigate(base + "/?q=" + tenant);
                        return !page.locator("#counters a[data-status=RUNNING] strong")
                                .textContent()
                                .equals("0");
                    });
            page.waitForFunction("() => window.Chart && Chart.getChart('throughput') != null");
            page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("jobs.png")));

            page.locator("#bulk-cancel").click();

            assertThat(page.locator("#bulk-done")).containsText("Cancelled 3 job(s)");
            for (var id : ids) {
                org.assertj.core.api.Assertions.assertThat(api.get("/api/v1/jobs/" + id)
                                .json()
                                .get("status")
                                .asString())
                        .isEqualTo("CANCELLED");
            }
            page.locator("#bulk-retry").click();
            assertThat(page.locator("#bulk-done")).containsText("Retried 3 job(s)");
        } finally {
            admission.start();
        }
        // the retries are new jobs of the tenant, and they run
        page.navigate(base + "/?q=" + tenant + "&status=SUCCEEDED");
        assertThat(page.locator("tr[data-job]")).hasCount(3);
        page.locator("tr[data-job] td.model a").first().click();
        assertThat(page.locator("tr.highlight")).containsText("bulk-model");
        page.close();
    }

    @Test
    void aWorkerShowsItsProcessorMemoryAndModelsAndIsDrainedAndResumed() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=drain-rows",
                Fixtures.randomTable(98, 20, List.of("a", "b")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(99, 2, 3).linearRequest("drain-model")));
        Fixtures.awaitStatus(
                api,
                created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a", "b"), 1))),
                "SUCCEEDED");
        var page = page();
        page.onDialog(dialog -> dialog.accept());
        var worker = page.locator("#workers tbody tr[data-worker]").first();
        // the heartbeat after the job says which models the worker holds
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> {
                    page.navigate(base + "/workers");
                    return worker.locator("td.models").textContent().contains("drain-model");
                });
        assertThat(worker.locator("td.cpu")).containsText("%");
        assertThat(worker.locator("td.memory")).containsText("heap");
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("workers.png"))
                .setFullPage(true));

        String jobId;
        try {
            worker.locator("button.drain").click();
            assertThat(page.locator("#worker-changed")).containsText("Draining");
            assertThat(worker).containsText("DRAINING");
            assertThat(page.locator("#lanes tbody tr").first()).containsText("draining");
            // nothing new runs on a drained worker: the job waits for a lane
            jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a", "b"), 1)));
            page.waitForTimeout(1_500);
            org.assertj.core.api.Assertions.assertThat(api.get("/api/v1/jobs/" + jobId)
                            .json()
                            .get("status")
                            .asString())
                    .isNotEqualTo("SUCCEEDED");
        } finally {
            page.navigate(base + "/workers");
            worker.locator("button.resume").click();
        }
        assertThat(page.locator("#worker-changed")).containsText("Resumed");
        Fixtures.awaitStatus(api, jobId, "SUCCEEDED");
        page.close();
    }

    @Test
    void modelsAreListedWithVersionsLineageAndFiguresAndAreDeleted() {
        String name = "versioned-" + UUID.randomUUID().toString().substring(0, 8);
        String first = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(100, 2, 3).linearRequest(name)));
        String second = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(101, 2, 3).linearRequest(name)));
        var page = page();
        page.onDialog(dialog -> dialog.accept());

        page.navigate(base + "/models?highlight=" + second);

        assertThat(page.locator("tr.highlight td.version")).hasText("v2 of 2");
        assertThat(page.locator("[id='" + first + "'] td.version")).hasText("v1 of 2");
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("models.png"))
                .setFullPage(true));
        page.locator("[id='" + first + "'] button.delete").click();
        assertThat(page.locator("#model-deleted")).containsText(first);
        assertThat(page.locator("[id='" + first + "']")).hasCount(0);
        assertThat(page.locator("[id='" + second + "'] td.version")).hasText("v1 of 1");
        org.assertj.core.api.Assertions.assertThat(
                        api.get("/api/v1/models/" + first).status())
                .isEqualTo(404);
        page.close();
    }

    @Test
    void aShardThatFailsOnItsLaneShowsWhereWithItsStackTraceAndItsRetryInTheTimeline() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard-broken",
                Fixtures.randomTable(93, 20, List.of("a", "b")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(94, 2, 3).linearRequest("dashboard-broken")));
        // a tile too short for its shape: the lane that loads the model throws as it reads it
        platform.context()
                .getBean(JdbcClient.class)
                .sql("update model_tiles set data = decode('00', 'hex') where model_id = ?")
                .param(UUID.fromString(modelId))
                .update();
        var job = new java.util.LinkedHashMap<>(inferenceJob(modelId, datasetId, List.of("a", "b"), 1));
        job.put("maxAttempts", 2);
        String jobId = created(api.postJson("/api/v1/jobs", job));
        Fixtures.awaitStatus(api, jobId, "FAILED");
        var page = page();

        page.navigate(base + "/jobs/" + jobId);

        assertThat(page.locator("#job-error")).containsText("failed after 2 attempts");
        page.locator("#shard-trace summary").click();
        assertThat(page.locator("#shard-trace pre")).containsText("Exception");
        assertThat(page.locator("#shard-trace pre")).containsText("at io.shardflow.");
        assertThat(page.locator("#round-totals")).containsText("1 failed");
        assertThat(page.locator("#round-totals")).containsText("1 retried");
        assertThat(page.locator(".timeline li.warn").first()).containsText("attempt 2 queued");
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("failed-shard.png"))
                .setFullPage(true));
        page.close();
    }

    @Test
    void aTrainingJobShowsItsCurvesFirstOnAxesOfTheirOwnAndItsRoundsSummarised() {
        int steps = 40;
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard-training",
                Fixtures.randomTable(95, 64, List.of("a", "b", "y")).csv()));
        var training = new java.util.LinkedHashMap<String, Object>();
        training.put("type", "TRAINING");
        training.put("model", Map.of("architecture", Map.of("kind", "linear", "inputs", 2, "outputs", 1)));
        training.put("dataset", Map.of("id", datasetId, "features", List.of("a", "b"), "label", "y"));
        training.put(
                "training",
                Map.of(
                        "steps",
                        steps,
                        "batchSize",
                        16,
                        "optimizer",
                        "sgd",
                        "learningRate",
                        0.05,
                        "validationSplit",
                        0.25));
        training.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        String jobId = created(api.postJson("/api/v1/jobs", training));
        Fixtures.awaitStatus(api, jobId, "SUCCEEDED");
        var page = page();

        page.navigate(base + "/jobs/" + jobId);
        page.waitForFunction("() => window.Chart && Chart.getChart('curve') != null"
                + " && Chart.getChart('curve').data.datasets[0].data.length > 0");

        // the curves come before the shards, each loss on an axis of its own (not the 0-1 of accuracy)
        double curvesAt = page.locator("#curve").boundingBox().y;
        double shardsAt = page.locator("#rounds").boundingBox().y;
        org.assertj.core.api.Assertions.assertThat(curvesAt).isLessThan(shardsAt);
        var axes = page.evaluate("() => { const s = Chart.getChart('curve').options.scales;"
                + " return [s.loss.max === undefined, s.validation.max === undefined, s.accuracy.max]; }");
        org.assertj.core.api.Assertions.assertThat(String.valueOf(axes)).isEqualTo("[true, true, 1]");
        // every step a round: a few of them are shown, the rest counted
        int rounds = Integer.parseInt(
                page.locator("#round-totals span").first().textContent().trim());
        org.assertj.core.api.Assertions.assertThat(rounds).isGreaterThanOrEqualTo(steps);
        org.assertj.core.api.Assertions.assertThat(
                        page.locator("#rounds .round").count())
                .isLessThanOrEqualTo(16);
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve("training-job.png"))
                .setFullPage(true));
        page.close();
    }

    @Test
    void withoutTheSessionsTokenNoPostChangesAnything() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=dashboard-csrf",
                Fixtures.randomTable(95, 10, List.of("a")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(96, 1, 1).linearRequest("csrf")));
        var lanes = platform.context().getBean(Lanes.class);
        lanes.stop();
        try {
            String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a"), 1)));
            var page = page();
            page.navigate(base + "/jobs/" + jobId);

            // a script of the page's own origin, with the session cookie but not the token: refused
            var status =
                    page.evaluate("fetch('/api/v1/jobs/" + jobId + "/cancel', {method: 'POST'}).then(r => r.status)");
            org.assertj.core.api.Assertions.assertThat(((Number) status).intValue())
                    .isEqualTo(403);

            // a form on another site that posts to the dashboard: the browser sends no session with it (SameSite=Lax)
            // and there is no token either; nothing is cancelled
            var evil = browser.newPage();
            evil.setContent("<form id=f method=post action='" + base + "/api/v1/jobs/" + jobId
                    + "/cancel' enctype='application/x-www-form-urlencoded'><input name=x value=1></form>");
            evil.evaluate("document.getElementById('f').submit()");
            evil.waitForLoadState();
            evil.close();

            org.assertj.core.api.Assertions.assertThat(api.get("/api/v1/jobs/" + jobId)
                            .json()
                            .get("status")
                            .asString())
                    .isEqualTo("RUNNING");
            page.close();
        } finally {
            lanes.start();
        }
    }

    @Test
    void namesColumnsAndErrorsAreShownAsTextNeverRun() {
        String payload = "<img src=x onerror=\"window.__xss=1\">";
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=" + java.net.URLEncoder.encode(payload, java.nio.charset.StandardCharsets.UTF_8),
                "\"" + payload.replace("\"", "\"\"") + "\",b\n1,2\n"));
        created(api.postJson("/api/v1/models", Fixtures.randomDense(97, 1, 1).linearRequest(payload)));
        var jobId = Fixtures.unplannableJob(platform, datasetId, List.of("b"));
        Fixtures.awaitStatus(api, jobId.toString(), "FAILED");
        platform.context()
                .getBean(JdbcClient.class)
                .sql("update jobs set error = ? where id = ?")
                .params("failed: " + payload, jobId)
                .update();
        var page = page();

        // the pages that show what users named; the job list shows none of it, but must run nothing either
        for (var path : List.of("/datasets", "/models", "/jobs/" + jobId, "/?status=FAILED")) {
            page.navigate(base + path);
            if (!path.startsWith("/?")) {
                assertThat(page.locator("body")).containsText(payload.substring(0, 12));
            }
            assertThat(page.locator("main img")).hasCount(0);
            org.assertj.core.api.Assertions.assertThat(page.evaluate("window.__xss === undefined"))
                    .as("no script of the payload ran on " + path)
                    .isEqualTo(true);
        }
        page.close();
    }
}
