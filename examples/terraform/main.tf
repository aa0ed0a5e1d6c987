# The staging stack of examples/staging as an OpenTofu configuration would
# declare it; terraform.tfstate is the state `tofu apply` left behind (IDs are
# examples). `tkeops migrate terraform terraform.tfstate --out ../migrated` converts
# it: see docs/getting-started.md, "Coming from Terraform".

terraform {
  required_providers {
    tencentcloud = { source = "tencentcloudstack/tencentcloud" }
    random       = { source = "hashicorp/random" }
  }
}

provider "tencentcloud" {
  region = "ap-shanghai"
}

data "tencentcloud_availability_zones_by_product" "cvm" {
  product = "cvm"
}

resource "tencentcloud_vpc" "staging" {
  name       = "staging"
  cidr_block = "10.1.0.0/16"
  tags       = { team = "platform" }
}

locals {
  zones = {
    sh2 = { zone = "ap-shanghai-2", cidr = "10.1.0.0/20" }
    sh4 = { zone = "ap-shanghai-4", cidr = "10.1.16.0/20" }
    sh5 = { zone = "ap-shanghai-5", cidr = "10.1.32.0/20" }
  }
}

resource "tencentcloud_subnet" "node" {
  for_each          = local.zones
  name              = "stg-${each.key}"
  vpc_id            = tencentcloud_vpc.staging.id
  availability_zone = each.value.zone
  cidr_block        = each.value.cidr
  is_multicast      = false
}

resource "tencentcloud_security_group" "nodes" {
  name        = "staging-nodes"
  description = "TKE worker nodes of cluster staging"
}

resource "tencentcloud_security_group_rule_set" "nodes" {
  security_group_id = tencentcloud_security_group.nodes.id
  ingress {
    action      = "ACCEPT"
    cidr_block  = "10.1.0.0/16"
    protocol    = "ALL"
    port        = "ALL"
    description = "node CIDR (VPC)"
  }
  ingress {
    action      = "ACCEPT"
    cidr_block  = "172.21.0.0/16"
    protocol    = "ALL"
    port        = "ALL"
    description = "container CIDR of cluster staging"
  }
  ingress {
    action      = "ACCEPT"
    cidr_block  = "0.0.0.0/0"
    protocol    = "TCP"
    port        = "30000-32768"
    description = "NodePorts behind load balancers"
  }
  ingress {
    action      = "ACCEPT"
    cidr_block  = "0.0.0.0/0"
    protocol    = "UDP"
    port        = "30000-32768"
    description = "NodePorts behind load balancers"
  }
  ingress {
    action             = "ACCEPT"
    source_security_id = tencentcloud_security_group.nodes.id
    protocol           = "ALL"
    port               = "ALL"
  }
  egress {
    action     = "ACCEPT"
    cidr_block = "0.0.0.0/0"
    protocol   = "ALL"
    port       = "ALL"
  }
}

resource "tencentcloud_kubernetes_cluster" "staging" {
  cluster_name            = "staging"
  cluster_desc            = "staging workloads"
  cluster_version         = "1.30.0"
  cluster_os              = "tlinux3.1x86_64"
  container_runtime       = "containerd"
  vpc_id                  = tencentcloud_vpc.staging.id
  network_type            = "GR"
  cluster_cidr            = "172.21.0.0/16"
  cluster_max_pod_num     = 64
  cluster_max_service_num = 256
  cluster_ipvs            = false
  cluster_level           = "L5"
  auto_upgrade_cluster_level = true
  tags                    = { team = "platform" }
}

resource "tencentcloud_kubernetes_node_pool" "general" {
  name                     = "staging-general"
  cluster_id               = tencentcloud_kubernetes_cluster.staging.id
  vpc_id                   = tencentcloud_vpc.staging.id
  subnet_ids               = [for s in tencentcloud_subnet.node : s.id]
  min_size                 = 1
  max_size                 = 10
  enable_auto_scale        = true
  delete_keep_instance     = false
  node_os                  = "tlinux3.1x86_64"
  multi_zone_subnet_policy = "PRIORITY"
  termination_policies     = ["OLDEST_INSTANCE"]
  labels                   = { pool = "general" }
  auto_scaling_config {
    instance_type              = "SA5.LARGE8"
    system_disk_type           = "CLOUD_PREMIUM"
    system_disk_size           = 50
    orderly_security_group_ids = [tencentcloud_security_group.nodes.id]
  }
}

resource "tencentcloud_kubernetes_node_pool" "batch" {
  name                 = "staging-batch"
  cluster_id           = tencentcloud_kubernetes_cluster.staging.id
  vpc_id               = tencentcloud_vpc.staging.id
  subnet_ids           = [tencentcloud_subnet.node["sh4"].id]
  min_size             = 0
  max_size             = 4
  desired_capacity     = 0
  enable_auto_scale    = false
  delete_keep_instance = false
  node_os              = "tlinux3.1x86_64"
  labels               = { pool = "batch" }
  taints {
    key    = "example.com/batch"
    value  = ""
    effect = "NoExecute"
  }
  auto_scaling_config {
    instance_type              = "SA5.2XLARGE16"
    orderly_security_group_ids = [tencentcloud_security_group.nodes.id]
  }
}

# The API server is reachable from the VPC through a subnet of the first zone.
resource "tencentcloud_kubernetes_cluster_endpoint" "staging" {
  cluster_id                 = tencentcloud_kubernetes_cluster.staging.id
  cluster_intranet           = true
  cluster_intranet_subnet_id = tencentcloud_subnet.node["sh2"].id
  depends_on                 = [tencentcloud_kubernetes_node_pool.general]
}

# Not converted by tkeops: it has no kind for COS buckets, and random_id is not a
# Tencent Cloud resource. The migration report lists both.
resource "tencentcloud_cos_bucket" "logs" {
  bucket = "staging-logs-1250000000"
  acl    = "private"
}

resource "random_id" "suffix" {
  byte_length = 3
}
