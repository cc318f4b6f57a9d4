"""The admin connection's own failures say what is wrong (real broker)."""

import dataclasses

import pytest

from common.mqtt import BrokerAddress
from devtools.broker import free_port
from devtools.secure_broker import SecuredBroker
from hub.devices.broker_accounts import BrokerAccountError, DeviceAccount, DynsecAccounts

pytestmark = pytest.mark.integration


def admin_address(broker: SecuredBroker) -> BrokerAddress:
    return BrokerAddress(
        broker.host,
        broker.port,
        username=broker.setup.admin_username,
        password=broker.setup.admin_password,
        tls=True,
        ca_file=str(broker.ca_file),
    )


def test_a_wrong_admin_password_is_reported(secured_broker: SecuredBroker) -> None:
    address = dataclasses.replace(admin_address(secured_broker), password="wrong")
    with (
        DynsecAccounts(address, "admin-wrong") as accounts,
        pytest.raises(BrokerAccountError, match=r"did not let the admin account .* Not authorized"),
    ):
        accounts.remove_device("term-a")


def test_the_hub_account_cannot_administer(secured_broker: SecuredBroker) -> None:
    setup = secured_broker.setup
    address = dataclasses.replace(
        admin_address(secured_broker), username=setup.hub_username, password=setup.hub_password
    )
    with (
        DynsecAccounts(address, "hub-as-admin", timeout_s=3) as accounts,
        pytest.raises(BrokerAccountError, match="refused the admin account"),
    ):
        accounts.add_device(DeviceAccount("term-a", "hq-f1-aurora", "quorum", "pw"))


def test_an_unreachable_broker_is_reported(secured_broker: SecuredBroker) -> None:
    address = dataclasses.replace(admin_address(secured_broker), port=free_port())
    with (
        DynsecAccounts(address, "admin-nowhere") as accounts,
        pytest.raises(BrokerAccountError, match="cannot reach the broker"),
    ):
        accounts.remove_device("term-a")
