terraform {
  required_providers {
    alicloud = {
      source  = "aliyun/alicloud"
      version = ">= 1.222.0"
    }
  }
}

provider "alicloud" {
  region = var.region
}

provider "alicloud" {
  alias  = "singapore"
  region = "ap-southeast-1"
}
