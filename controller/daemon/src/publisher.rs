//! The daemon's **publisher** task: receipts (each removed from the durable outbox once the
//! broker acknowledges it, which the mqtt task hears), the retained status, published when it changes and every 30 s, and the
//! signed daily play report (retained, on the reports topic); on shutdown, a last status with
//! `online: false`.

use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use crate::CoreHandle;
use crate::config::Config;
use crate::ingest::Receipt;
use crate::mqtt::Client;

/// The content type of the status and the receipts (MQTT 5 carries it with each message).
const JSON: &str = "application/json";

pub(super) async fn publisher(
    core: CoreHandle,
    cfg: Config,
    client: Client,
    mut rx: mpsc::UnboundedReceiver<Receipt>,
    status_dirty: std::sync::Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), crate::TaskError> {
    let receipts = cfg.receipts_topic();
    let status = cfg.status_topic();
    let reports = cfg.reports_topic();
    let mut last_status = String::new();
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        let receipt = tokio::select! {
            r = rx.recv() => match r { Some(r) => Some(r), None => return Err(crate::TaskError::ReceiptsClosed) },
            () = status_dirty.notified() => None,
            _ = tick.tick() => { last_status.clear(); None }
            _ = shutdown.changed() => {
                if let Ok(mut s) = core.status().await {
                    s.online = false;
                    let _ = client.publish(&status, true, s.to_value().to_string(), JSON).await;
                }
                client.disconnect().await;
                return Ok(());
            }
        };
        if let Some(r) = receipt
            && let Err(e) = client.publish_receipt(&receipts, &r, JSON).await
        {
            // It leaves the outbox when the broker acknowledges it (the mqtt task tells the core).
            tracing::error!("cannot queue a receipt (it stays in the outbox): {e}");
        }
        // The reports waiting, oldest first (after a stop, the days missed; the retained one
        // ends as the newest).
        while let Some(body) = core.take_report().await? {
            if let Err(e) = client
                .publish(&reports, true, body.clone(), crate::report::CONTENT_TYPE)
                .await
            {
                tracing::error!("cannot queue the play report (tried again): {e}");
                core.tell(crate::core::Change::ReturnReport(body))?;
                break;
            }
        }
        let s = core.status().await?;
        let mut cmp = s.clone();
        cmp.clock.daemon = None;
        let key = cmp.to_value().to_string();
        if key != last_status {
            last_status = key;
            let _ = client.publish(&status, true, s.to_value().to_string(), JSON).await;
        }
    }
}
