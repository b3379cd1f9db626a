//! The cache fed by the API server (the `kube` feature): kube-rs watchers on
//! nodes, pods and namespaces, and binding through the `pods/binding`
//! subresource. Connects with the in-cluster configuration or the
//! kubeconfig (`kube::Client::try_default`).
//!
//! Each watcher applies its events to the [`Cache`] as they come (every
//! change under the cache's write lock). A relist (at start, and after the
//! watch expires) ends with the objects the cache holds but the list did not
//! return being deleted. A failed list or watch is logged and retried with
//! kube-rs' default backoff (0.8 s doubling to 30 s), as client-go's
//! reflector does; the extender is ready once all three have listed.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::cache::Cache;
use crate::extender::Binder;

/// Whether this build can talk to the API server (the `kube` feature).
pub const AVAILABLE: bool = cfg!(feature = "kube");

/// A connection to the API server: the watchers and the binder.
#[derive(Clone)]
pub struct Live {
    #[cfg(feature = "kube")]
    client: kube::Client,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Live {
    /// Connects with the in-cluster configuration or the kubeconfig.
    ///
    /// # Errors
    /// No usable configuration, or a build without the `kube` feature.
    pub async fn connect() -> Result<Live, String> {
        #[cfg(feature = "kube")]
        {
            kube::Client::try_default()
                .await
                .map(|client| Live { client })
                .map_err(|e| format!("connecting to the API server: {e}"))
        }
        #[cfg(not(feature = "kube"))]
        Err("cluster.watch and bind mode api need spillway built with the kube feature (cargo build --features spillway-extender/kube)".into())
    }

    /// A connection through `client`, a kube-rs client configured elsewhere
    /// (another kubeconfig context, a proxy, a test server).
    #[cfg(feature = "kube")]
    pub fn from_client(client: kube::Client) -> Live {
        Live { client }
    }

    /// A binder through this connection, running its calls on `runtime`.
    pub fn binder(&self, runtime: tokio::runtime::Handle) -> Box<dyn Binder> {
        #[cfg(feature = "kube")]
        {
            Box::new(imp::ApiBinder::new(self.client.clone(), runtime))
        }
        #[cfg(not(feature = "kube"))]
        {
            let _ = runtime;
            Box::new(NoBinder)
        }
    }

    /// Runs the watchers on nodes, pods and namespaces, retrying failed lists
    /// and watches with backoff (each failure is logged); sets `ready` once all
    /// three have listed. Does not return in a build with the `kube` feature.
    ///
    /// # Errors
    /// A build without the `kube` feature.
    pub async fn watch(self, cache: Arc<Cache>, ready: Arc<AtomicBool>) -> Result<(), String> {
        #[cfg(feature = "kube")]
        {
            imp::run(self.client, cache, ready).await;
            Ok(())
        }
        #[cfg(not(feature = "kube"))]
        {
            let _ = (cache, ready);
            Err("no kube feature".into())
        }
    }
}

/// What a build without the `kube` feature binds with: nothing.
#[cfg(not(feature = "kube"))]
#[derive(Debug)]
struct NoBinder;

#[cfg(not(feature = "kube"))]
impl Binder for NoBinder {
    fn bind(&self, _: &str, _: &str, _: &str, _: &str) -> Result<(), String> {
        Err("spillway was built without the kube feature".into())
    }
}

#[cfg(feature = "kube")]
mod imp {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use futures::StreamExt;
    use k8s_openapi::api::core::v1::{Binding, Namespace, Node, ObjectReference, Pod};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use kube::api::PostParams;
    use kube::runtime::WatchStreamExt;
    use kube::runtime::watcher::{self, Event};
    use kube::{Api, Client};

    use crate::cache::Cache;
    use crate::extender::Binder;

    /// How one kind of object enters the cache.
    trait Kind: Sized {
        fn key(&self) -> String;
        fn apply(&self, cache: &Cache);
        fn delete(key: &str, cache: &Cache);
        fn keys(cache: &Cache) -> Vec<String>;
    }

    impl Kind for Node {
        fn key(&self) -> String {
            self.metadata.name.clone().unwrap_or_default()
        }
        fn apply(&self, cache: &Cache) {
            if let Err(e) = cache.apply_node(self) {
                tracing::warn!(node = %self.key(), error = %e, "node not cached");
            }
        }
        fn delete(key: &str, cache: &Cache) {
            cache.delete_node(key);
        }
        fn keys(cache: &Cache) -> Vec<String> {
            cache.node_names()
        }
    }

    impl Kind for Pod {
        fn key(&self) -> String {
            format!(
                "{}/{}",
                self.metadata.namespace.as_deref().unwrap_or("default"),
                self.metadata.name.as_deref().unwrap_or_default()
            )
        }
        fn apply(&self, cache: &Cache) {
            if let Err(e) = cache.apply_pod(self) {
                tracing::warn!(pod = %self.key(), error = %e, "pod not cached");
            }
        }
        fn delete(key: &str, cache: &Cache) {
            cache.delete_pod(key);
        }
        fn keys(cache: &Cache) -> Vec<String> {
            cache.pod_keys()
        }
    }

    impl Kind for Namespace {
        fn key(&self) -> String {
            self.metadata.name.clone().unwrap_or_default()
        }
        fn apply(&self, cache: &Cache) {
            cache.apply_namespace(self);
        }
        fn delete(key: &str, cache: &Cache) {
            cache.delete_namespace(key);
        }
        fn keys(cache: &Cache) -> Vec<String> {
            cache.namespace_names()
        }
    }

    /// Applies one watcher event; `seen` collects the keys of a relist.
    fn on_event<K: Kind>(
        event: Event<K>,
        cache: &Cache,
        seen: &mut Option<HashSet<String>>,
    ) -> bool {
        match event {
            Event::Apply(obj) => obj.apply(cache),
            Event::Delete(obj) => K::delete(&obj.key(), cache),
            Event::Init => *seen = Some(HashSet::new()),
            Event::InitApply(obj) => {
                if let Some(s) = seen.as_mut() {
                    s.insert(obj.key());
                }
                obj.apply(cache);
            }
            Event::InitDone => {
                let listed = seen.take().unwrap_or_default();
                for key in K::keys(cache) {
                    if !listed.contains(&key) {
                        K::delete(&key, cache);
                    }
                }
                return true;
            }
        }
        false
    }

    /// Watches one kind, retrying with backoff; counts its first complete list.
    async fn watch<K>(api: Api<K>, cache: Arc<Cache>, listed: Arc<AtomicUsize>)
    where
        K: Kind
            + kube::Resource<DynamicType = ()>
            + Clone
            + std::fmt::Debug
            + serde::de::DeserializeOwned
            + Send
            + 'static,
    {
        let stream = watcher::watcher(api, watcher::Config::default()).default_backoff();
        let mut stream = std::pin::pin!(stream);
        let mut seen = None;
        let mut first = true;
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => {
                    if on_event(event, &cache, &mut seen) && first {
                        first = false;
                        listed.fetch_add(1, Ordering::SeqCst);
                    }
                }
                Err(e) => tracing::warn!(
                    kind = %K::kind(&()),
                    error = %e,
                    "list or watch failed; retrying after backoff"
                ),
            }
        }
    }

    /// Runs the three watchers; sets `ready` once all have listed.
    pub(super) async fn run(client: Client, cache: Arc<Cache>, ready: Arc<AtomicBool>) {
        let listed = Arc::new(AtomicUsize::new(0));
        let nodes = watch(
            Api::<Node>::all(client.clone()),
            cache.clone(),
            listed.clone(),
        );
        let pods = watch(
            Api::<Pod>::all(client.clone()),
            cache.clone(),
            listed.clone(),
        );
        let namespaces = watch(Api::<Namespace>::all(client), cache, listed.clone());
        let readiness = async {
            while listed.load(Ordering::SeqCst) < 3 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            ready.store(true, Ordering::SeqCst);
        };
        tokio::join!(nodes, pods, namespaces, readiness);
    }

    /// Binds through the API server: creates the pod's `binding` subresource, as
    /// kube-scheduler's DefaultBinder does.
    #[derive(Clone)]
    pub struct ApiBinder {
        client: Client,
        runtime: tokio::runtime::Handle,
    }

    impl ApiBinder {
        /// A binder on `client`, running its calls on `runtime` (the bind verb is
        /// answered on a blocking thread).
        pub fn new(client: Client, runtime: tokio::runtime::Handle) -> ApiBinder {
            ApiBinder { client, runtime }
        }
    }

    impl std::fmt::Debug for ApiBinder {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ApiBinder")
        }
    }

    impl Binder for ApiBinder {
        fn bind(&self, namespace: &str, name: &str, uid: &str, node: &str) -> Result<(), String> {
            let binding = Binding {
                metadata: ObjectMeta {
                    name: Some(name.to_string()),
                    namespace: Some(namespace.to_string()),
                    uid: (!uid.is_empty()).then(|| uid.to_string()),
                    ..ObjectMeta::default()
                },
                target: ObjectReference {
                    kind: Some("Node".into()),
                    name: Some(node.to_string()),
                    ..ObjectReference::default()
                },
            };
            let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
            self.runtime
                .block_on(api.create_subresource::<Binding, Binding>(
                    "binding",
                    name,
                    &PostParams::default(),
                    &binding,
                ))
                .map(|_| ())
                .map_err(|e| format!("binding {namespace}/{name} to {node}: {e}"))
        }
    }
}
