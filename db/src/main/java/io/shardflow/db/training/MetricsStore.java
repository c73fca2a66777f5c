package io.shardflow.db.training;

import io.shardflow.db.jdbc.SqlArgs;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A training job's curve: loss per step, validation loss and accuracy at epoch ends. */
public class MetricsStore {
    private final JdbcClient jdbc;

    public MetricsStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One point; validation values are null except at epoch ends, accuracy null for regression. */
    public record Point(
            int step, int epoch, Double loss, Long samples, Double validationLoss, Double validationAccuracy) {}

    public void recordLoss(UUID jobId, int step, int epoch, double loss, long samples) {
        jdbc.sql("""
                insert into job_metrics (job_id, step, epoch, loss, samples) values (?, ?, ?, ?, ?)
                on conflict (job_id, step) do update set epoch = excluded.epoch, loss = excluded.loss, samples = excluded.samples""").params(jobId, step, epoch, loss, samples).update();
    }

    public void recordValidation(UUID jobId, int step, int epoch, double loss, @Nullable Double accuracy) {
        jdbc.sql("""
                insert into job_metrics (job_id, step, epoch, validation_loss, validation_accuracy) values (?, ?, ?, ?, ?)
                on conflict (job_id, step) do update set validation_loss = excluded.validation_loss,
                  validation_accuracy = excluded.validation_accuracy""").params(SqlArgs.of(jobId, step, epoch, loss, accuracy)).update();
    }

    public List<Point> curve(UUID jobId) {
        return jdbc.sql("select step, epoch, loss, samples, validation_loss, validation_accuracy from job_metrics "
                        + "where job_id = ? order by step")
                .param(jobId)
                .query((rs, n) -> new Point(
                        rs.getInt(1),
                        rs.getInt(2),
                        rs.getObject(3, Double.class),
                        rs.getObject(4, Long.class),
                        rs.getObject(5, Double.class),
                        rs.getObject(6, Double.class)))
                .list();
    }
}
