//! Runs the project's own `nginx/nginx.conf` in front of test instances: the
//! same file operators run, with only the ports rewritten.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running nginx; killed when dropped.
#[derive(Debug)]
pub struct Nginx {
    /// The port nginx listens on.
    pub port: u16,
    child: Child,
    prefix: PathBuf,
}

impl Nginx {
    /// Starts nginx balancing over two API instances on `upstreams`.
    pub async fn start(upstreams: [u16; 2]) -> Nginx {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let conf =
            std::fs::read_to_string(repo.join("nginx/nginx.conf")).expect("read nginx/nginx.conf");
        let port = free_port();
        let conf = conf
            .replace(
                "server 127.0.0.1:3001 ",
                &format!("server 127.0.0.1:{} ", upstreams[0]),
            )
            .replace(
                "server 127.0.0.1:3002 ",
                &format!("server 127.0.0.1:{} ", upstreams[1]),
            )
            .replace("listen 127.0.0.1:8080", &format!("listen 127.0.0.1:{port}"));
        let prefix =
            std::env::temp_dir().join(format!("lbt-nginx-{port}-{:08x}", rand::random::<u32>()));
        std::fs::create_dir_all(prefix.join("logs")).expect("nginx logs dir");
        std::fs::create_dir_all(prefix.join("tmp")).expect("nginx tmp dir");
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let child = Command::new(nginx_binary())
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start nginx (is the nginx package installed?)");
        let nginx = Nginx {
            port,
            child,
            prefix,
        };
        let up = crate::eventually(Duration::from_secs(10), || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
        assert!(up, "nginx did not start listening on {port}");
        nginx
    }

    /// The absolute URL of `path` through nginx.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM, not KILL: a killed master leaves its workers holding the port.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("nginx"))
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}
