import { describe, expect, it } from '@jest/globals';
import { render, screen } from '@testing-library/react-native';
import i18n from '../i18n';
import { MinimumOrder } from './money';

describe('MinimumOrder', () => {
  it('shows the consumer minimum and the shortfall the API computed', async () => {
    await i18n.changeLanguage('en');
    await render(
      <MinimumOrder
        minimum={{ minimumPaise: 50000, shortfallPaise: 26000, met: false }}
        itemsPaise={24000}
      />,
    );
    expect(screen.getByText('Minimum order ₹500.00')).toBeOnTheScreen();
    expect(screen.getByTestId('shortfall')).toHaveTextContent(
      'Add ₹260.00 more to check out (items total ₹240.00).',
    );
  });

  it('shows the business minimum of ₹10,000 as reached', async () => {
    await i18n.changeLanguage('en');
    await render(
      <MinimumOrder
        minimum={{ minimumPaise: 1000000, shortfallPaise: 0, met: true }}
        itemsPaise={1250000}
      />,
    );
    expect(screen.getByText('Minimum order ₹10,000.00 reached')).toBeOnTheScreen();
    expect(screen.queryByTestId('shortfall')).toBeNull();
  });

  it('speaks Hindi', async () => {
    await i18n.changeLanguage('hi');
    await render(
      <MinimumOrder
        minimum={{ minimumPaise: 1000000, shortfallPaise: 150000, met: false }}
        itemsPaise={850000}
      />,
    );
    expect(screen.getByText('न्यूनतम ऑर्डर ₹10,000.00')).toBeOnTheScreen();
    expect(screen.getByTestId('shortfall')).toHaveTextContent(
      'चेकआउट के लिए ₹1,500.00 और जोड़ें (सामान कुल ₹8,500.00)।',
    );
  });
});
